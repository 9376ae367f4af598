import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
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
  async register(
    @Body(wardenValidationPipe) body: RegisterDto,
    @Req() request: WardenRequest,
  ): Promise<UserResponseDto> {
    await this.registerThrottle.consume(this.http.clientIp(request));
    return toUserResponse(await this.users.register(body));
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard, LocalAuthGuard)
  @ApiOperation({ summary: 'Log in with email and password; sets the session cookie' })
  @ApiOkResponse({ type: LoginResponseDto, description: 'Always a new session id (no fixation)' })
  @ApiCredentialErrors()
  async login(
    @Req() request: WardenRequest,
    @Res({ passthrough: true }) response: unknown,
    @CurrentUser() user: CachedUser,
  ): Promise<LoginResponseDto> {
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
