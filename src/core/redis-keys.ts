import { hash } from 'node:crypto';

/** The slot tag of a user: 4 hex characters of SHA-256(userId). Hidden inside cookies. */
export function userTag(userId: string): string {
  return hash('sha256', userId, 'hex').slice(0, 4);
}

/** What `RedisUserCache` writes over a user it just invalidated: a miss that blocks fills. */
export const CACHED_USER_TOMBSTONE = '-';

/**
 * The one layout of every key nest-warden's Redis adapters use, under one prefix:
 *
 * - `<prefix>{<tag>}:s:<sha256(id)>` a session, `…:p:<sha256(id)>` its forward pointer after a
 *   renewal, `…:x:<sha256(id)>` a spent refresh token, `…:u:<userId>` the user's session index,
 *   `…:c:<userId>` the user's cached snapshot: one hash slot per user (`<tag>` = {@link userTag}),
 *   so a session and its user are read in one script, on Redis Cluster too;
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

  session(tag: string, idHash: string): string {
    return `${this.base(tag)}s:${idHash}`;
  }

  pointer(tag: string, idHash: string): string {
    return `${this.base(tag)}p:${idHash}`;
  }

  spent(tag: string, idHash: string): string {
    return `${this.base(tag)}x:${idHash}`;
  }

  index(tag: string, userId: string): string {
    return `${this.base(tag)}u:${userId}`;
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
