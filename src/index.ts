// nest-warden's only public entry. Every export is listed by name, grouped by feature.

// Auth
export { AuthModule } from './auth/auth.module.js';
export { AuthController, CsrfResponseDto, LoginResponseDto } from './auth/auth.controller.js';
export type { AuthModuleOptions } from './auth/auth.module-definition.js';
export { SessionAuthGuard } from './auth/guards/session-auth.guard.js';
export { WardenAuthGuard } from './auth/guards/warden-auth.guard.js';
export { RolesGuard } from './auth/guards/roles.guard.js';
export { NoStoreGuard } from './auth/guards/no-store.guard.js';
export { Auth, Public, Roles } from './auth/decorators/auth.decorators.js';
export { IS_PUBLIC, ROLES } from './auth/auth.constants.js';
export { SessionsController } from './auth/sessions.controller.js';
export { ChangePasswordDto } from './auth/dto/change-password.dto.js';
export { SessionResponseDto, toSessionResponse } from './auth/dto/session-response.dto.js';
export { LocalAuthGuard } from './auth/guards/local-auth.guard.js';
export { LocalStrategy, LOCAL_STRATEGY } from './auth/strategies/local.strategy.js';
export { CurrentSession, CurrentUser } from './auth/decorators/current.decorators.js';
export { HttpContext } from './core/http-context.js';
export type { WardenRequest } from './core/http-context.js';
export { LoginDto } from './auth/dto/login.dto.js';
export { csrfTokenFor, csrfTokenMatches, sameOrigin } from './security/csrf.js';
export { RegisterDto } from './auth/dto/register.dto.js';
export { wardenValidationPipe } from './auth/validation.js';

// Users
export { UsersModule } from './users/users.module.js';
export type { UsersModuleOptions } from './users/users.module-definition.js';
export { UsersService } from './users/users.service.js';
export type { RegisterUserInput } from './users/users.service.js';
export { UserRepository } from './users/user.repository.js';
export { TypeOrmUserRepository } from './users/typeorm-user.repository.js';
export { MemoryUserRepository } from './users/memory-user.repository.js';
export { UserEntity } from './users/user.entity.js';
export { wardenMigrations } from './users/migrations/index.js';
export type { NewUserRecord, UserPatch, UserRecord } from './users/user.record.js';
export { UserResponseDto, toUserResponse } from './users/user-response.dto.js';
export { assertEmailAllowed, emailSkeleton, normalizeEmail } from './users/email.js';

// Cache
export { UserCache, toCachedUser } from './cache/user-cache.js';
export type { CachedUser } from './cache/user-cache.js';
export { RedisUserCache } from './cache/redis-user.cache.js';
export type { RedisUserCacheOptions } from './cache/redis-user.cache.js';
export { MemoryUserCache } from './cache/memory-user.cache.js';
export { CachedUsers, WARDEN_USER_CACHE_TTL } from './cache/cached-users.js';
export { CacheInterceptor } from './auth/interceptors/cache.interceptor.js';

// Passwords
export { PasswordService } from './passwords/password.service.js';
export type { PasswordVerification } from './passwords/password.service.js';
export { ARGON2_OWASP_FLOOR, resolvePasswordOptions } from './passwords/password.options.js';
export type { PasswordOptions, ResolvedPasswordOptions } from './passwords/password.options.js';
export { assertPasswordPolicy, normalizePassword } from './passwords/password-policy.js';

// Sessions
export { SessionService, SessionDataTooLargeError } from './session/session.service.js';
export type {
  ActiveSession,
  SessionContext,
  SessionValidation,
} from './session/session.service.js';
export { SessionStore } from './session/session.store.js';
export type {
  SessionRotateOptions,
  SessionWriteOptions,
  SpentMarker,
} from './session/session.store.js';
export { RedisSessionStore } from './session/redis-session.store.js';
export type { RedisSessionStoreOptions } from './session/redis-session.store.js';
export { MemorySessionStore } from './session/memory-session.store.js';
export type { MemorySessionStoreOptions } from './session/memory-session.store.js';
export { SessionCookieCodec } from './session/session-cookie.js';
export { RedisKeys, userTag } from './core/redis-keys.js';
export { createRedisAdapters } from './auth/redis-adapters.js';
export type { RedisAdapters, RedisAdaptersOptions } from './auth/redis-adapters.js';
export { resolveSessionOptions } from './session/session.options.js';
export type { ResolvedSessionOptions, SessionOptions } from './session/session.options.js';
export type {
  SessionRecord,
  SessionRef,
  StoredSession,
  UserSessionsRef,
} from './session/session.record.js';
export { systemClock, WARDEN_CLOCK } from './core/clock.js';
export type { Clock } from './core/clock.js';
export { WARDEN_SESSION_OPTIONS } from './session/session.tokens.js';

// Tokens
export { AccessTokenService } from './tokens/access-token.service.js';
export type { AccessTokenClaims, PublicJwk } from './tokens/access-token.service.js';
export { TokenService } from './tokens/token.service.js';
export type { TokenLifetimes, TokenPair } from './tokens/token.service.js';
export { TokensController } from './auth/tokens.controller.js';
export { JwksController } from './auth/jwks.controller.js';
export { RefreshTokenDto, TokenPairDto } from './auth/dto/refresh-token.dto.js';
export { resolveAccessTokenOptions } from './tokens/access-token.options.js';
export type {
  AccessTokenOptions,
  ResolvedAccessTokenOptions,
} from './tokens/access-token.options.js';

// Security
export { SecurityEvents, WardenEvent } from './core/security-events.js';
export type { SecurityEvent, WardenEventName } from './core/security-events.js';
export { JsonBodyGuard } from './security/json-body.guard.js';
export { assertJsonDepth, exceedsJsonDepth, MAX_JSON_DEPTH } from './security/json-depth.js';
export { securityHeaders } from './security/security-headers.js';
export type { SecurityHeadersOptions } from './security/security-headers.js';
export { LoginThrottle } from './security/login-throttle.js';
export type { CredentialAttempt } from './security/login-throttle.js';
export { resolveLoginThrottleOptions } from './security/login-throttle.options.js';
export type {
  LoginThrottleOptions,
  ResolvedLoginThrottleOptions,
} from './security/login-throttle.options.js';
export { AttemptStore } from './security/attempt.store.js';
export type {
  AttemptCounter,
  AttemptGroup,
  AttemptPolicy,
  ConsumeResult,
} from './security/attempt.store.js';
export { MemoryAttemptStore } from './security/memory-attempt.store.js';
export { RedisAttemptStore } from './security/redis-attempt.store.js';
export type { RedisAttemptStoreOptions } from './security/redis-attempt.store.js';
export { RegisterThrottle, resolveRegisterThrottleOptions } from './security/register-throttle.js';
export type {
  RegisterThrottleOptions,
  ResolvedRegisterThrottleOptions,
} from './security/register-throttle.js';

// Errors
export { WardenErrorCode } from './errors/error-codes.js';
export {
  EmailTakenException,
  EmailInvalidException,
  CsrfInvalidException,
  ForbiddenRoleException,
  InvalidPasswordException,
  SessionNotFoundException,
  InvalidCredentialsException,
  JsonOnlyException,
  SessionInvalidException,
  PasswordPolicyException,
  ValidationFailedException,
  WardenUnavailableException,
  TooManyAttemptsException,
} from './errors/warden.exceptions.js';
export type { WardenErrorBody } from './errors/warden.exceptions.js';
export { WardenErrorResponseDto } from './errors/warden-error-response.dto.js';
export { WardenExceptionFilter } from './errors/warden-exception.filter.js';

// Testing (for host apps' e2e tests)
export { loginForTest } from './testing/login-for-test.js';
export type { TestLogin } from './testing/login-for-test.js';
