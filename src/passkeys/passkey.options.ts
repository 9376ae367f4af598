import type { PasskeyStore } from './passkey.store.js';

/**
 * Passkeys (WebAuthn, `AuthModule` option `passkeys`): registration, passwordless login with
 * discoverable credentials, passkeys as the second factor and as step-up. Mounting it adds
 * `/auth/passkeys/*`.
 */
export interface PasskeyOptions {
  /** Where credentials live: `new TypeOrmPasskeyStore(dataSource)`. */
  store: PasskeyStore;
  /** Relying party id: the app's registrable domain (`example.com`), or `localhost`. */
  rpId: string;
  /** Shown by authenticators. @default 'nest-warden' */
  rpName?: string;
  /** The origins a response may come from (`https://app.example.com`). */
  origins: string[];
  /** How long a challenge lives, in seconds. @default 300 */
  challengeTtlSeconds?: number;
}

/** {@link PasskeyOptions} with every default applied. */
export type ResolvedPasskeyOptions = Required<PasskeyOptions>;

/** Applies defaults and checks values; a bad one is a boot error saying how to fix it. */
export function resolvePasskeyOptions(options: PasskeyOptions): ResolvedPasskeyOptions {
  if (!options.store) throw new Error('AuthModule option passkeys.store is required');
  if (!options.rpId || /[/:\s]/.test(options.rpId)) {
    throw new Error(`passkeys.rpId must be a host name such as example.com, got "${options.rpId}"`);
  }
  const origins = options.origins ?? [];
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || url.origin !== origin) {
      throw new Error(
        `passkeys.origins entries must be origins such as https://app.example.com, got "${origin}"`,
      );
    }
    if (url.hostname !== options.rpId && !url.hostname.endsWith(`.${options.rpId}`)) {
      throw new Error(
        `passkeys origin ${origin} is not on rpId ${options.rpId} (or a subdomain of it)`,
      );
    }
  }
  if (origins.length === 0)
    throw new Error('AuthModule option passkeys.origins needs at least one origin');
  const ttl = options.challengeTtlSeconds ?? 300;
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new Error(`passkeys.challengeTtlSeconds must be a positive integer, got ${ttl}`);
  }
  return { ...options, rpName: options.rpName ?? 'nest-warden', origins, challengeTtlSeconds: ttl };
}
