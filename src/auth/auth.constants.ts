/** Metadata key of `@Public()`. */
export const IS_PUBLIC = 'WARDEN:IS_PUBLIC';
/** Metadata key of `@Roles()`. */
export const ROLES = 'WARDEN:ROLES';
/**
 * OpenAPI extension `@Public()` puts on its operations, so that `wardenSwagger` can tell them from
 * the routes a global `WardenAuthGuard` protects (the document builder cannot see `APP_GUARD`).
 */
export const WARDEN_PUBLIC_EXTENSION = 'x-warden-public';
/** Metadata key of `@Auth({ recent })`: the most seconds since the session's last credential step. */
export const RECENT_AUTH = 'WARDEN:RECENT_AUTH';
/** DI token of `AuthModule`'s `reauthMaxAgeSeconds` (a number). */
export const WARDEN_REAUTH_MAX_AGE = 'WARDEN:REAUTH_MAX_AGE';
/** Metadata key of `@Auth({ mfa: true })`. */
export const MFA_REQUIRED = 'WARDEN:MFA_REQUIRED';
/** DI token of the role the admin API requires (`AuthModule` option `admin.role`). */
export const WARDEN_ADMIN_ROLE = 'WARDEN:ADMIN_ROLE';
