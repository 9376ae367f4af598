/** DI token of the resolved `AuthModule` option `mfa` (`ResolvedMfaOptions`). */
export const WARDEN_MFA_OPTIONS = 'WARDEN:MFA_OPTIONS';
