/** DI token of the resolved {@link SessionOptions}. */
export const WARDEN_SESSION_OPTIONS = 'WARDEN:SESSION_OPTIONS';
