// Filler sessions for bench/http's live-sessions rows: written straight into Redis through
// pipelines, in exactly the layout RedisSessionStore.create writes (one hash per user: field `u`
// = the user id, one field per session = 128 bits of a hashed id → the binary record of
// redis-session.record.ts; the hash's TTL; the user agent's shared text), so a million take
// seconds instead of the minutes one script per session through SessionService costs (about
// 150 µs of Node CPU per session: ids, hashes, cookies the filler never uses).
import type { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { RedisKeys, userTag } from '../src/core/redis-keys.js';
import { encodeSessionRecord } from '../src/session/redis-session.record.js';
import type { SessionRecord } from '../src/session/session.record.js';
import { userAgentDigest } from '../src/session/session.record.js';

/** Users per pipeline. */
const BATCH = 500;

export interface FillOptions {
  prefix: string;
  sessions: number;
  perUser: number;
  /** Absolute lifetime of the sessions, in ms (the hash lives that long). */
  lifetimeMs: number;
  ip: string;
  userAgent: string;
}

/** Writes `sessions` live sessions, `perUser` per user; returns the user ids, to remove them. */
export async function fillSessions(redis: Redis, options: FillOptions): Promise<string[]> {
  const keys = new RedisKeys(options.prefix);
  const digest = userAgentDigest(options.userAgent);
  if (digest)
    await redis.set(keys.userAgent(digest), options.userAgent, 'PX', options.lifetimeMs * 2);
  const users = Array.from({ length: Math.ceil(options.sessions / options.perUser) }, () =>
    randomUUID(),
  );
  let written = 0;
  for (let first = 0; first < users.length; first += BATCH) {
    const pipeline = redis.pipeline();
    for (const userId of users.slice(first, first + BATCH)) {
      const count = Math.min(options.perUser, options.sessions - written);
      written += count;
      const now = Date.now();
      const fields: (string | Buffer)[] = ['u', userId];
      // 16 bytes of field name (a hashed id), 8 of handle and 16 of CSRF secret per session.
      const random = randomBytes(40 * count);
      for (let i = 0; i < count; i++) {
        const bytes = random.subarray(40 * i, 40 * (i + 1));
        const record: SessionRecord = {
          v: 1,
          handle: bytes.subarray(16, 24).toString('base64url'),
          userId,
          authVersion: 1,
          createdAt: now,
          lastSeenAt: now,
          authTime: now,
          renewedAt: now,
          absoluteExpiresAt: now + options.lifetimeMs,
          ip: options.ip,
          userAgentDigest: digest,
          csrfSecret: bytes.subarray(24, 40).toString('base64url'),
          data: {},
        };
        fields.push(bytes.subarray(0, 16).toString('base64url'), encodeSessionRecord(record));
      }
      const hash = keys.sessions(userTag(userId));
      pipeline.hset(hash, ...fields);
      pipeline.pexpire(hash, options.lifetimeMs);
    }
    await pipeline.exec();
  }
  return users;
}

/** Removes the users' session hashes (pipelined UNLINK). */
export async function unfillSessions(redis: Redis, prefix: string, users: string[]): Promise<void> {
  const keys = new RedisKeys(prefix);
  for (let first = 0; first < users.length; first += BATCH) {
    const pipeline = redis.pipeline();
    for (const userId of users.slice(first, first + BATCH))
      pipeline.unlink(keys.sessions(userTag(userId)));
    await pipeline.exec();
  }
}
