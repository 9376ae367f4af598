import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { HttpContext } from '../core/http-context.js';
import { ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { PasskeyInvalidException, PasskeyNotFoundException } from '../errors/warden.exceptions.js';
import { MfaLogins } from '../mfa/mfa-logins.js';
import { PasskeyService } from '../passkeys/passkey.service.js';
import type { PasskeySummary } from '../passkeys/passkey.service.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import { toCachedUser } from '../users/user-cache.js';
import type { CachedUser } from '../users/user-cache.js';
import { LoginResponseDto } from './auth.controller.js';
import { Auth, Public } from './decorators/auth.decorators.js';
import { CurrentUser } from './decorators/current.decorators.js';
import {
  assertEmptyBody,
  PasskeyLoginDto,
  PasskeyRegisterDto,
  PasskeyRenameDto,
  PasskeyResponseDto,
} from './dto/passkey.dto.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import { LoginService } from './login.service.js';
import { wardenValidationPipe } from './validation.js';
import type { WardenRequest } from './warden-request.js';

const OPTIONS = {
  description: 'PublicKeyCredentialRequestOptionsJSON: pass to navigator.credentials.get()',
  schema: { type: 'object', additionalProperties: true },
} as const;
const INVALID = {
  type: WardenErrorResponseDto,
  description:
    'PASSKEY_INVALID: wrong origin or RP ID, used or foreign challenge, unknown or deleted passkey, bad signature, or a counter that went back',
};

/** Passkeys (`API.md`, Passkeys): mounted with `passkeys`. */
@ApiTags('passkeys')
@Controller('auth')
@UseGuards(NoStoreGuard)
export class PasskeysController {
  constructor(
    private readonly passkeys: PasskeyService,
    private readonly logins: LoginService,
    private readonly http: HttpContext,
  ) {}

  @Post('passkeys/register/options')
  @HttpCode(200)
  @Auth({ recent: true })
  @ApiOperation({
    summary: 'Options to create a passkey (resident key, user verification preferred)',
  })
  @ApiOkResponse({
    description: 'PublicKeyCredentialCreationOptionsJSON: pass to navigator.credentials.create()',
    schema: { type: 'object', additionalProperties: true },
  })
  registerOptions(
    @CurrentUser() user: CachedUser,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.passkeys.registrationOptions(user);
  }

  @Post('passkeys/register')
  @HttpCode(201)
  @UseGuards(JsonBodyGuard)
  @Auth()
  @ApiOperation({ summary: 'Store the passkey the browser created' })
  @ApiCreatedResponse({ type: PasskeyResponseDto })
  @ApiJsonBodyErrors('VALIDATION_FAILED, or PASSKEY_INVALID: the response does not verify')
  register(
    @CurrentUser() user: CachedUser,
    @Body(wardenValidationPipe) body: PasskeyRegisterDto,
  ): Promise<PasskeySummary> {
    return this.passkeys.register(
      user,
      body.response as unknown as RegistrationResponseJSON,
      body.name,
    );
  }

  @Get('passkeys')
  @Auth()
  @ApiOperation({ summary: "The caller's passkeys" })
  @ApiOkResponse({ type: [PasskeyResponseDto] })
  list(@CurrentUser() user: CachedUser): Promise<PasskeySummary[]> {
    return this.passkeys.list(user.id);
  }

  @Patch('passkeys/:id')
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @Auth()
  @ApiOperation({ summary: 'Rename one of the caller’s passkeys' })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors()
  @ApiNotFoundResponse({ type: WardenErrorResponseDto, description: 'PASSKEY_NOT_FOUND' })
  async rename(
    @CurrentUser() user: CachedUser,
    @Param('id') id: string,
    @Body(wardenValidationPipe) body: PasskeyRenameDto,
  ): Promise<void> {
    if (!(await this.passkeys.rename(user.id, id, body.name))) throw new PasskeyNotFoundException();
  }

  @Delete('passkeys/:id')
  @HttpCode(204)
  @Auth({ recent: true })
  @ApiOperation({ summary: 'Delete one of the caller’s passkeys' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: WardenErrorResponseDto, description: 'PASSKEY_NOT_FOUND' })
  async remove(@CurrentUser() user: CachedUser, @Param('id') id: string): Promise<void> {
    if (!(await this.passkeys.remove(user.id, id))) throw new PasskeyNotFoundException();
  }

  @Post('passkeys/login/options')
  @Public()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Options for a passwordless login (discoverable credentials, 300 s)' })
  @ApiOkResponse(OPTIONS)
  @ApiJsonBodyErrors()
  loginOptions(@Body() body: unknown): Promise<PublicKeyCredentialRequestOptionsJSON> {
    assertEmptyBody(body);
    return this.passkeys.assertionOptions('login', null);
  }

  @Post('passkeys/login')
  @Public()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Log in with a passkey: a NEW session cookie; satisfies MFA' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiJsonBodyErrors()
  @ApiUnauthorizedResponse(INVALID)
  @ApiTooManyRequestsResponse({ type: WardenErrorResponseDto, description: 'TOO_MANY_ATTEMPTS' })
  async login(
    @Body(wardenValidationPipe) body: PasskeyLoginDto,
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<LoginResponseDto> {
    const assertion = body.response as unknown as AuthenticationResponseJSON;
    const user = await this.passkeys.verify(assertion, 'login', null, this.http.clientIp(request));
    if (!user) throw new PasskeyInvalidException();
    const login = await this.logins.passkeyLogin(toCachedUser(user), request);
    this.http.appendCookie(response, login.setCookie);
    return login.body;
  }

  @Post('reauth/passkey/options')
  @HttpCode(200)
  @Auth()
  @ApiOperation({ summary: 'Options to confirm it is you with one of your passkeys (step-up)' })
  @ApiOkResponse(OPTIONS)
  reauthOptions(@CurrentUser() user: CachedUser): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.passkeys.assertionOptions('reauth', user);
  }
}

/** `POST /auth/login/mfa/passkey/options`: mounted with both `passkeys` and `mfa`. */
@ApiTags('passkeys')
@Controller('auth')
@UseGuards(NoStoreGuard)
export class PasskeyMfaController {
  constructor(
    private readonly passkeys: PasskeyService,
    private readonly mfa: MfaLogins,
    private readonly http: HttpContext,
  ) {}

  @Post('login/mfa/passkey/options')
  @Public()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Options to complete a pending MFA login with one of the user’s passkeys',
  })
  @ApiOkResponse(OPTIONS)
  @ApiJsonBodyErrors()
  @ApiUnauthorizedResponse({
    type: WardenErrorResponseDto,
    description: 'MFA_INVALID: no pending login',
  })
  secondFactorOptions(
    @Body() body: unknown,
    @Req() request: WardenRequest,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    assertEmptyBody(body);
    const value = this.mfa.cookie.read(request.headers.cookie);
    const pending = this.mfa.peek(value, this.http.clientContext(request), 'cookie');
    return this.passkeys.assertionOptions('second-factor', { id: pending.userId });
  }
}
