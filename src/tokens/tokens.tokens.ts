/** DI token of the resolved token lifetimes ({@link TokenLifetimes}). */
export const WARDEN_TOKEN_OPTIONS = 'WARDEN:TOKEN_OPTIONS';
