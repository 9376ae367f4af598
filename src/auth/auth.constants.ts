/** Metadata key of `@Public()`. */
export const IS_PUBLIC = 'WARDEN:IS_PUBLIC';
/** Metadata key of `@Roles()`. */
export const ROLES = 'WARDEN:ROLES';
/**
 * OpenAPI extension `@Public()` puts on its operations, so that `wardenSwagger` can tell them from
 * the routes a global `WardenAuthGuard` protects (the document builder cannot see `APP_GUARD`).
 */
export const WARDEN_PUBLIC_EXTENSION = 'x-warden-public';
