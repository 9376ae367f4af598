/** DI token of the resolved `AuthModule` option `account` (`ResolvedAccountOptions`). */
export const WARDEN_ACCOUNT_OPTIONS = 'WARDEN:ACCOUNT_OPTIONS';
