/** Metadata key of `@Public()`. */
export const IS_PUBLIC = 'WARDEN:IS_PUBLIC';
/** Metadata key of `@Roles()`. */
export const ROLES = 'WARDEN:ROLES';
