import { hash } from 'node:crypto';

/** Bytes of SHA-256(userId) in a user's slot tag. */
export const USER_TAG_BYTES = 12;

/**
 * The slot tag of a user: the first 12 bytes of SHA-256(userId), base64url (16 characters).
 * Hidden inside cookies; long enough that two users practically never share a sessions hash.
 */
export function userTag(userId: string): string {
  return hash('sha256', userId, 'buffer').subarray(0, USER_TAG_BYTES).toString('base64url');
}

/** What `RedisUserCache` writes over a user it just invalidated: a miss that blocks fills. */
export const CACHED_USER_TOMBSTONE = '-';

/**
 * The one layout of every key nest-warden's Redis adapters use, under one prefix:
 *
 * - `<prefix>{<tag>}:u` the user's sessions, one Redis hash (see `RedisSessionStore`),
 *   `…:x:<idHash>` a spent refresh token, `…:c:<userId>` the user's cached snapshot: one hash
 *   slot per user (`<tag>` = {@link userTag}), so a session and its user are read in one
 *   script, on Redis Cluster too;
 * - `<prefix>a:<digest>` a user agent's text, shared by every session with that user agent;
 * - `<prefix>t{a:<sha256(email)>}:…`, `<prefix>t{i:<sha256(ip)>}:…` attempt counters;
 *   `<prefix>tm{u:<sha256(userId)>}:t:<step>` a used TOTP step (`AttemptStore.claimOnce`).
 */
export class RedisKeys {
  constructor(readonly prefix: string = 'warden:') {
    if (!prefix || /[{}\s]/.test(prefix)) {
      throw new Error(`keyPrefix must be non-empty, without braces or spaces, got '${prefix}'`);
    }
  }

  /** `<prefix>{<tag>}:`: every key of one user starts with it. */
  base(tag: string): string {
    return `${this.prefix}{${tag}}:`;
  }

  /** The hash of a user's sessions. */
  sessions(tag: string): string {
    return `${this.base(tag)}u`;
  }

  spent(tag: string, idHash: string): string {
    return `${this.base(tag)}x:${idHash}`;
  }

  /** The shared text of a user agent, by its digest (`userAgentDigest`). */
  userAgent(digest: string): string {
    return `${this.prefix}a:${digest}`;
  }

  /** Where scripts find a user's cached snapshot: this plus the user id. */
  cachedUserPrefix(tag: string): string {
    return `${this.base(tag)}c:`;
  }

  cachedUser(userId: string): string {
    return `${this.cachedUserPrefix(userTag(userId))}${userId}`;
  }

  /** Prefix of the attempt counters. */
  attempts(): string {
    return `${this.prefix}t`;
  }
}
