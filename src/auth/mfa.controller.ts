import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { HttpContext } from '../core/http-context.js';
import { ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { MfaService } from '../mfa/mfa.service.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import { SessionService } from '../session/session.service.js';
import type { ActiveSession } from '../session/session.service.js';
import type { CachedUser } from '../users/user-cache.js';
import { Auth, Public } from './decorators/auth.decorators.js';
import { CurrentSession, CurrentUser } from './decorators/current.decorators.js';
import {
  anyMfaCode,
  MfaCodeDto,
  MfaLoginDto,
  mfaProof,
  RecoveryCodesResponseDto,
  TotpSetupResponseDto,
} from './dto/mfa.dto.js';
import { LoginResponseDto } from './auth.controller.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import { LoginService } from './login.service.js';
import { wardenValidationPipe } from './validation.js';
import type { WardenRequest } from './warden-request.js';

const MFA_INVALID = {
  type: WardenErrorResponseDto,
  description: 'MFA_INVALID: wrong, replayed or used code (counted like a failed password)',
};
const ALREADY = {
  type: WardenErrorResponseDto,
  description: 'MFA_ALREADY_ENABLED: turn MFA off first (with a code), then set it up again',
};
const TOO_MANY = {
  type: WardenErrorResponseDto,
  description: 'TOO_MANY_ATTEMPTS or ACCOUNT_LOCKED; see Retry-After',
};

/** TOTP multi-factor authentication (`API.md`, Multi-factor and step-up): mounted with `mfa`. */
@ApiTags('mfa')
@Controller('auth')
@UseGuards(NoStoreGuard)
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly logins: LoginService,
    private readonly sessions: SessionService,
    private readonly http: HttpContext,
  ) {}

  @Post('mfa/totp/setup')
  @HttpCode(200)
  @Auth({ recent: true })
  @ApiOperation({
    summary: 'Start TOTP enrolment: a new secret (pending until confirmed) and its QR code',
  })
  @ApiOkResponse({ type: TotpSetupResponseDto })
  @ApiConflictResponse(ALREADY)
  setup(@CurrentUser() user: CachedUser): Promise<TotpSetupResponseDto> {
    return this.mfa.setup(user);
  }

  @Post('mfa/totp/confirm')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @Auth()
  @ApiOperation({
    summary:
      'Confirm enrolment with a code: MFA is on, every other session ends, a cookie session gets a new id',
  })
  @ApiOkResponse({ type: RecoveryCodesResponseDto })
  @ApiJsonBodyErrors()
  @ApiUnauthorizedResponse(MFA_INVALID)
  @ApiConflictResponse(ALREADY)
  @ApiTooManyRequestsResponse(TOO_MANY)
  async confirm(
    @CurrentUser() user: CachedUser,
    @CurrentSession() session: ActiveSession | undefined,
    @Body(wardenValidationPipe) body: MfaCodeDto,
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<RecoveryCodesResponseDto> {
    const ip = this.http.clientIp(request);
    const { result, rotatedToken } = await this.mfa.confirm(user, session, body.code, ip);
    this.sendRotated(response, rotatedToken);
    return { recoveryCodes: result };
  }

  @Post('mfa/recovery-codes')
  @HttpCode(200)
  @Auth({ recent: true })
  @ApiOperation({ summary: 'Ten new recovery codes; the previous set dies' })
  @ApiOkResponse({ type: RecoveryCodesResponseDto })
  @ApiUnauthorizedResponse(MFA_INVALID)
  async recoveryCodes(@CurrentUser() user: CachedUser): Promise<RecoveryCodesResponseDto> {
    return { recoveryCodes: await this.mfa.regenerateRecoveryCodes(user) };
  }

  @Post('mfa/disable')
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @Auth({ recent: true })
  @ApiOperation({
    summary:
      'Turn MFA off with a TOTP or recovery code: every other session ends, a cookie session gets a new id',
  })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors()
  @ApiUnauthorizedResponse(MFA_INVALID)
  @ApiTooManyRequestsResponse(TOO_MANY)
  async disable(
    @CurrentUser() user: CachedUser,
    @CurrentSession() session: ActiveSession | undefined,
    @Body(wardenValidationPipe) body: MfaCodeDto,
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    const ip = this.http.clientIp(request);
    const { rotatedToken } = await this.mfa.disable(user, session, anyMfaCode(body.code), ip);
    this.sendRotated(response, rotatedToken);
  }

  @Post('login/mfa')
  @Public()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary:
      'Complete a password login with a code (pending `mfa` cookie): a NEW session cookie; no X-CSRF-Token needed',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiJsonBodyErrors('VALIDATION_FAILED: exactly one of code and recoveryCode')
  @ApiUnauthorizedResponse({
    type: WardenErrorResponseDto,
    description:
      'MFA_INVALID: wrong code, or no pending login (missing, expired, used, another client, or its 5th wrong code)',
  })
  @ApiTooManyRequestsResponse(TOO_MANY)
  async login(
    @Body(wardenValidationPipe) body: MfaLoginDto,
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<LoginResponseDto> {
    const login = await this.logins.completeCookieMfa(request, mfaProof(body));
    this.http.appendCookie(response, login.expirePending);
    this.http.appendCookie(response, login.setCookie);
    return login.body;
  }

  private sendRotated(response: unknown, token: string | null): void {
    if (token) this.http.appendCookie(response, this.sessions.cookie.serialize(token));
  }
}
