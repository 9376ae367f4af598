// nest-warden's only public entry. Every export is listed by name, grouped by feature.

// Auth
export { AuthModule } from './auth/auth.module.js';
export type { AuthModuleAsyncOptions, AuthModuleOptions } from './auth/auth.module-definition.js';
export { LoginService } from './auth/login.service.js';
export type { CookieLogin, LoginBody, MfaTokenChallenge } from './auth/login.service.js';
export { SessionAuthGuard } from './auth/guards/session-auth.guard.js';
export { WardenAuthGuard } from './auth/guards/warden-auth.guard.js';
export { RolesGuard } from './auth/guards/roles.guard.js';
export { NoStoreGuard } from './auth/guards/no-store.guard.js';
export { Auth, Public, Roles } from './auth/decorators/auth.decorators.js';
export type { AuthRequirements } from './auth/decorators/auth.decorators.js';
export { RecentAuthGuard } from './auth/guards/recent-auth.guard.js';
export { ReauthService } from './auth/reauth.service.js';
export { CurrentSession, CurrentUser } from './auth/decorators/current.decorators.js';
export type { WardenRequest } from './auth/warden-request.js';
export { wardenSwagger, WARDEN_SECURITY_SCHEMES } from './auth/warden-swagger.js';
export type { WardenSwaggerOptions } from './auth/warden-swagger.js';

// Users
export { UsersModule } from './users/users.module.js';
export type { UsersModuleOptions } from './users/users.module-definition.js';
export { UsersService } from './users/users.service.js';
export type { RegisterUserInput } from './users/users.service.js';
export { UserRepository } from './users/user.repository.js';
export { TypeOrmUserRepository } from './users/typeorm-user.repository.js';
export { MemoryUserRepository } from './users/memory-user.repository.js';
export { SqliteUserEntity, UserEntity } from './users/user.entity.js';
export { wardenMigrations } from './users/migrations/index.js';
export type { NewUserRecord, UserPatch, UserRecord } from './users/user.record.js';
export { UserResponseDto, toUserResponse } from './users/user-response.dto.js';

// Cache
export { UserCache } from './users/user-cache.js';
export type { CachedUser } from './users/user-cache.js';
export { RedisUserCache } from './users/redis-user.cache.js';
export type { RedisUserCacheOptions } from './users/redis-user.cache.js';
export { MemoryUserCache } from './users/memory-user.cache.js';
export { CacheInterceptor } from './auth/interceptors/cache.interceptor.js';

// Passwords
export { PasswordService } from './passwords/password.service.js';
export { ARGON2_OWASP_FLOOR } from './passwords/password.options.js';
export type { PasswordOptions } from './passwords/password.options.js';

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
export { Authenticator } from './session/authenticator.js';
export type { AuthFailure, Authenticated } from './session/authenticator.js';
export type { SessionOptions } from './session/session.options.js';
export { createRedisAdapters } from './auth/redis-adapters.js';
export type { RedisAdapters, RedisAdaptersOptions } from './auth/redis-adapters.js';
export type {
  SessionRecord,
  SessionRef,
  StoredSession,
  UserSessionsRef,
} from './session/session.record.js';
export { systemClock, WARDEN_CLOCK } from './core/clock.js';
export type { Clock } from './core/clock.js';

// Tokens
export { AccessTokenService } from './tokens/access-token.service.js';
export type { AccessTokenClaims, PublicJwk } from './tokens/access-token.service.js';
export { TokenService } from './tokens/token.service.js';
export type { TokenLifetimes, TokenPair } from './tokens/token.service.js';
export type { AccessTokenOptions } from './tokens/access-token.options.js';

// Security
export {
  SECURITY_LOG_LINES_PER_SECOND,
  SecurityEvents,
  WardenEvent,
} from './core/security-events.js';
export type { SecurityEvent, WardenEventName } from './core/security-events.js';
export { DEFAULT_MAX_BODY_BYTES, JsonBodyGuard } from './security/json-body.guard.js';
export { MAX_JSON_DEPTH } from './security/json-depth.js';
export { declaredBodyLimit } from './security/declared-body-limit.js';
export { securityHeaders } from './security/security-headers.js';
export type { SecurityHeadersOptions } from './security/security-headers.js';
export { LoginThrottle } from './security/login-throttle.js';
export type { CredentialAttempt } from './security/login-throttle.js';
export type { LoginThrottleOptions } from './security/login-throttle.options.js';
export { AttemptStore } from './security/attempt.store.js';
export type {
  AttemptCounter,
  AttemptGroup,
  AttemptPolicy,
  AttemptSuccess,
  ConsumeResult,
} from './security/attempt.store.js';
export { MemoryAttemptStore } from './security/memory-attempt.store.js';
export { RedisAttemptStore } from './security/redis-attempt.store.js';
export type { RedisAttemptStoreOptions } from './security/redis-attempt.store.js';
export { RegisterThrottle } from './security/register-throttle.js';
export type { RegisterThrottleOptions } from './security/register-throttle.js';

// Mail
export type { MailMessage } from './mail/mail-message.js';
export { Mailer } from './mail/mailer.js';
export { SmtpMailer } from './mail/smtp.mailer.js';
export type { SmtpMailerOptions } from './mail/smtp.mailer.js';
export { LogMailer } from './mail/log.mailer.js';
export { OutboxStore } from './mail/outbox.store.js';
export type { NewOutboxJob, OutboxClaim, OutboxJob } from './mail/outbox.store.js';
export { MemoryOutboxStore } from './mail/memory-outbox.store.js';
export { TypeOrmOutboxStore } from './mail/typeorm-outbox.store.js';
export { MailOutbox } from './mail/mail-outbox.js';
export type { MailJobHandler, MailOutboxOptions } from './mail/mail-outbox.js';

// Account lifecycle (verification, reset, email change, notices)
export { AccountService } from './account/account.service.js';
export type {
  AccountNotices,
  AccountOptions,
  EmailVerificationMode,
} from './account/account.options.js';
export { AccountTokenStore } from './account/account-token.store.js';
export type { AccountTokenPurpose, AccountTokenRecord } from './account/account-token.store.js';
export { TypeOrmAccountTokenStore } from './account/typeorm-account-token.store.js';
export { MemoryAccountTokenStore } from './account/memory-account-token.store.js';
export { MailTemplates, escapeHtml } from './mail/mail-templates.js';
export type { MailContext, RenderedMail, SignInDetails } from './mail/mail-templates.js';

// MFA
export { MfaStore } from './mfa/mfa.store.js';
export type { TotpFactor } from './mfa/mfa.store.js';
export { TypeOrmMfaStore } from './mfa/typeorm-mfa.store.js';
export { MemoryMfaStore } from './mfa/memory-mfa.store.js';
export { MfaService } from './mfa/mfa.service.js';
export type { MfaChange, TotpSetup } from './mfa/mfa.service.js';
export { MfaCodes } from './mfa/mfa-codes.js';
export type { MfaProof } from './mfa/mfa-codes.js';
export { MfaLogins } from './mfa/mfa-logins.js';
export type { MfaOptions } from './mfa/mfa.options.js';
export { MfaRequiredGuard } from './auth/guards/mfa-required.guard.js';
export { generateTotpSecret, matchTotp, totpCode, totpQrSvg, totpUri } from './mfa/totp.js';
export { MfaSecretCipher, MfaSecretUnreadableError } from './mfa/mfa-secret-cipher.js';
export {
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
} from './mfa/recovery-codes.js';

// Passkeys
export { PasskeyStore, PasskeyTakenError } from './passkeys/passkey.store.js';
export type { PasskeyRecord } from './passkeys/passkey.store.js';
export { TypeOrmPasskeyStore } from './passkeys/typeorm-passkey.store.js';
export { MemoryPasskeyStore } from './passkeys/memory-passkey.store.js';

// Audit log
export { AuditLog, AUDIT_BATCH_SIZE } from './audit/audit-log.js';
export type { AuditReadQuery } from './audit/audit-log.js';
export type { AuditOptions } from './audit/audit.options.js';
export { AUDIT_FIELD_LENGTHS } from './audit/audit.record.js';
export type { AuditQuery, AuditRecord } from './audit/audit.record.js';
export { AuditSink } from './audit/audit-sink.js';
export { TypeOrmAuditSink } from './audit/typeorm-audit.sink.js';
export { MemoryAuditSink } from './audit/memory-audit.sink.js';
export type { MemoryAuditSinkOptions } from './audit/memory-audit.sink.js';
// Metrics
export { WardenMetrics } from './metrics/warden-metrics.js';
export type { RouteObservation } from './metrics/warden-metrics.js';
export type { MetricsOptions } from './metrics/metrics.options.js';

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
  JwksUnavailableException,
  BodyTooLargeException,
  SessionInvalidException,
  PasswordPolicyException,
  ValidationFailedException,
  WardenUnavailableException,
  TooManyAttemptsException,
  TokenInvalidException,
  EmailNotVerifiedException,
  ReauthRequiredException,
  MfaInvalidException,
  MfaRequiredException,
} from './errors/warden.exceptions.js';
export type { WardenErrorBody, WardenBackend } from './errors/warden.exceptions.js';
export { WardenErrorObserver } from './errors/warden-error.observer.js';
export { WardenErrorResponseDto } from './errors/warden-error-response.dto.js';
export { ApiJsonBodyErrors } from './errors/api-error-responses.js';
