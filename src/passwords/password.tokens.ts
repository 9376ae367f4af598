/** DI token of the resolved {@link PasswordOptions}. */
export const WARDEN_PASSWORD_OPTIONS = 'WARDEN:PASSWORD_OPTIONS';
