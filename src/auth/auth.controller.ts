import {
  Body,
  Controller,
  Get,
  HttpCode,
  Optional,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiAcceptedResponse,
  ApiExtraModels,
  getSchemaPath,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiCredentialErrors, ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import { UserResponseDto, toUserResponse } from '../users/user-response.dto.js';
import { UsersService } from '../users/users.service.js';
import { RegisterDto } from './dto/register.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { Auth, Public } from './decorators/auth.decorators.js';
import { CurrentSession, CurrentUser } from './decorators/current.decorators.js';
import { LocalAuthGuard } from './guards/local-auth.guard.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import { SessionService } from '../session/session.service.js';
import type { ActiveSession } from '../session/session.service.js';
import type { CachedUser } from '../users/user-cache.js';
import type { WardenRequest } from './warden-request.js';
import { HttpContext } from '../core/http-context.js';
import { PasswordChangeService } from './password-change.service.js';
import { RegisterThrottle } from '../security/register-throttle.js';
import { csrfTokenFor } from '../security/csrf.js';
import { LoginService } from './login.service.js';

/** `POST /auth/login` answer. */
export class LoginResponseDto {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  @ApiProperty({ description: 'Send as X-CSRF-Token on unsafe cookie-authenticated requests' })
  csrfToken!: string;
}

/** `GET /auth/csrf` answer. */
export class CsrfResponseDto {
  @ApiProperty()
  csrfToken!: string;
}
import { wardenValidationPipe } from './validation.js';
import { ReauthDto } from './dto/reauth.dto.js';
import { ReauthService } from './reauth.service.js';
import { AccountService } from '../account/account.service.js';
import { AcceptedResponseDto } from './dto/account.dto.js';
import { EmailTakenException, ValidationFailedException } from '../errors/warden.exceptions.js';
import { anyMfaCode, MfaRequiredResponseDto } from './dto/mfa.dto.js';
import type { PasskeyAssertion } from '../passkeys/passkey.service.js';

/** `/auth/*`: the HTTP face of nest-warden (`API.md`). */
@ApiTags('auth')
@Controller('auth')
@UseGuards(NoStoreGuard)
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly logins: LoginService,
    private readonly passwords: PasswordChangeService,
    private readonly http: HttpContext,
    private readonly registerThrottle: RegisterThrottle,
    private readonly reauthService: ReauthService,
    @Optional() private readonly account?: AccountService,
  ) {}

  @Post('register')
  @Public()
  @HttpCode(201)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiJsonBodyErrors('VALIDATION_FAILED (bad body), PASSWORD_POLICY or EMAIL_INVALID')
  @ApiConflictResponse({ type: WardenErrorResponseDto, description: 'EMAIL_TAKEN' })
  @ApiTooManyRequestsResponse({
    type: WardenErrorResponseDto,
    description: 'Too many registrations from this client IP; see Retry-After',
  })
  @ApiServiceUnavailableResponse({
    type: WardenErrorResponseDto,
    description: 'Database down or hashing queue full; see Retry-After',
  })
  @ApiAcceptedResponse({
    type: AcceptedResponseDto,
    description:
      'With emailVerification "required": the same empty answer for a new and a taken address (its owner gets a notice)',
  })
  async register(
    @Body(wardenValidationPipe) body: RegisterDto,
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<UserResponseDto | AcceptedResponseDto> {
    await this.registerThrottle.consume(this.http.clientIp(request));
    if (!this.account?.hidesTakenEmails) {
      const user = await this.users.register(body);
      await this.account?.registered(user);
      return toUserResponse(user);
    }
    let taken = false;
    try {
      await this.account.registered(await this.users.register(body));
    } catch (error) {
      if (!(error instanceof EmailTakenException)) throw error;
      taken = true;
    }
    await this.account.registrationAttempted(body.email, taken);
    this.http.status(response, 202);
    return {};
  }

  @Post('reauth')
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @Auth()
  @ApiOperation({
    summary:
      'Confirm the password again: the session counts as recently authenticated (a cookie session gets a new id)',
  })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors()
  @ApiUnauthorizedResponse({
    type: WardenErrorResponseDto,
    description:
      'INVALID_PASSWORD or MFA_INVALID (counted like a failed login), or SESSION_INVALID',
  })
  @ApiTooManyRequestsResponse({
    type: WardenErrorResponseDto,
    description: 'TOO_MANY_ATTEMPTS or ACCOUNT_LOCKED; see Retry-After',
  })
  async reauth(
    @CurrentUser() user: CachedUser,
    @CurrentSession() session: ActiveSession,
    @Body(wardenValidationPipe) body: ReauthDto,
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    const ip = this.http.clientIp(request);
    const given = [body.password, body.code, body.passkey].filter((v) => v !== undefined);
    if (given.length !== 1) {
      throw new ValidationFailedException([
        'exactly one of password, code and passkey must be given',
      ]);
    }
    const token =
      body.password !== undefined
        ? await this.reauthService.withPassword(user, session, body.password, ip)
        : body.code !== undefined
          ? await this.reauthService.withCode(user, session, anyMfaCode(body.code), ip)
          : await this.reauthService.withPasskey(
              user,
              session,
              body.passkey as unknown as PasskeyAssertion,
              ip,
            );
    if (token) this.http.appendCookie(response, this.sessions.cookie.serialize(token));
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard, LocalAuthGuard)
  @ApiOperation({ summary: 'Log in with email and password; sets the session cookie' })
  @ApiOkResponse({
    description:
      'Always a new session id (no fixation). For a user with MFA: `{ mfaRequired: true }` and a pending `mfa` cookie instead; complete with POST /auth/login/mfa',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(LoginResponseDto) },
        { $ref: getSchemaPath(MfaRequiredResponseDto) },
      ],
    },
  })
  @ApiExtraModels(LoginResponseDto, MfaRequiredResponseDto)
  @ApiCredentialErrors()
  async login(
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
    @CurrentUser() user: CachedUser,
  ): Promise<LoginResponseDto | MfaRequiredResponseDto> {
    const rememberMe = (request.body as LoginDto).rememberMe;
    const { setCookie, body } = await this.logins.cookieLogin(user, request, { rememberMe });
    this.http.appendCookie(response, setCookie);
    return body;
  }

  @Post('logout')
  @HttpCode(204)
  @Auth()
  @ApiOperation({ summary: 'End the current session; expires the cookie' })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: WardenErrorResponseDto })
  @ApiForbiddenResponse({ type: WardenErrorResponseDto, description: 'CSRF_INVALID' })
  async logout(
    @CurrentSession() session: ActiveSession,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    this.http.appendCookie(response, await this.logins.logout(session));
  }

  @Get('me')
  @Auth()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiUnauthorizedResponse({ type: WardenErrorResponseDto })
  me(@CurrentUser() user: CachedUser): UserResponseDto {
    return toUserResponse(user);
  }

  @Get('csrf')
  @Auth()
  @ApiOperation({ summary: 'The CSRF token of the current session' })
  @ApiOkResponse({ type: CsrfResponseDto })
  @ApiUnauthorizedResponse({ type: WardenErrorResponseDto })
  csrf(@CurrentSession() session: ActiveSession): CsrfResponseDto {
    return { csrfToken: csrfTokenFor(session) };
  }

  @Post('password')
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @Auth()
  @ApiOperation({
    summary: 'Change the password; revokes every other session and rotates the current one',
  })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors('VALIDATION_FAILED (bad body) or PASSWORD_POLICY')
  @ApiUnauthorizedResponse({
    type: WardenErrorResponseDto,
    description: 'INVALID_PASSWORD (counted like a failed login) or SESSION_INVALID',
  })
  @ApiConflictResponse({
    type: WardenErrorResponseDto,
    description: 'PASSWORD_CHANGE_CONFLICT: another change landed first; nothing changed',
  })
  @ApiTooManyRequestsResponse({
    type: WardenErrorResponseDto,
    description: 'TOO_MANY_ATTEMPTS or ACCOUNT_LOCKED; see Retry-After',
  })
  async changePassword(
    @CurrentUser() user: CachedUser,
    @CurrentSession() session: ActiveSession | undefined,
    @Body(wardenValidationPipe) body: ChangePasswordDto,
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    const token = await this.passwords.change(user, session, body, this.http.clientIp(request));
    if (token) this.http.appendCookie(response, this.sessions.cookie.serialize(token));
  }
}
