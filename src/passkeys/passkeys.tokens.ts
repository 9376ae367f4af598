/** DI token of the resolved `AuthModule` option `passkeys` (`ResolvedPasskeyOptions`). */
export const WARDEN_PASSKEY_OPTIONS = 'WARDEN:PASSKEY_OPTIONS';
