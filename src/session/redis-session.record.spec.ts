import { randomBytes } from 'node:crypto';
import { decodeSessionRecord, encodeSessionRecord } from './redis-session.record.js';
import type { SessionRecord } from './session.record.js';
import { userAgentDigest } from './session.record.js';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const DAY = 86_400_000;

function fresh(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.UTC(2026, 0, 1, 9, 13, 27, 481);
  return {
    v: 1,
    handle: randomBytes(8).toString('base64url'),
    userId: '6f1c1a52-0000-4000-8000-00000000a11c',
    authVersion: 1,
    createdAt: now,
    lastSeenAt: now,
    authTime: now,
    renewedAt: now,
    absoluteExpiresAt: now + 43_200_000,
    ip: '203.0.113.9',
    userAgentDigest: userAgentDigest(CHROME),
    csrfSecret: randomBytes(16).toString('base64url'),
    data: {},
    ...overrides,
  };
}

/** The record as the store returns it: the same, without the user agent's text. */
function roundTrip(record: SessionRecord): { back: SessionRecord; bytes: number } {
  const bytes = encodeSessionRecord(record);
  return { back: decodeSessionRecord(bytes, record.userId), bytes: bytes.length };
}

describe('the binary session record of RedisSessionStore', () => {
  it('keeps fresh sessions with IPv4 or IPv6 within 64 bytes (a listpack value)', () => {
    for (const ip of ['203.0.113.9', '2001:db8:85a3::8a2e:370:7334', null]) {
      const record = fresh({ ip });
      const { back, bytes } = roundTrip(record);
      expect(back).toEqual(record);
      expect(bytes).toBeLessThanOrEqual(64);
    }
    // A fresh refresh-token session of 30 days (idle = absolute lifetime) with IPv6 too.
    const token = fresh({
      ip: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      kind: 'token',
      absoluteExpiresAt: Date.UTC(2026, 0, 31, 9, 13, 27, 481),
      idleTimeoutSeconds: 30 * 86_400,
      authVersion: 127,
    });
    expect(roundTrip(token).back).toEqual(token);
    expect(roundTrip(token).bytes).toBeLessThanOrEqual(64);
  });

  it('round-trips every field exactly, to the millisecond', () => {
    const created = Date.UTC(2026, 0, 1, 9, 13, 27, 481);
    const cases: SessionRecord[] = [
      // 30 days of real use: every clock apart from the others.
      fresh({
        createdAt: created,
        lastSeenAt: created + 29 * DAY + 7_777,
        authTime: created + 29 * DAY - 3_600_123,
        renewedAt: created + 29 * DAY - 611_337,
        absoluteExpiresAt: created + 30 * DAY,
        authVersion: 300_000,
      }),
      fresh({ ip: '::1' }),
      fresh({ ip: '::' }),
      fresh({ ip: '::ffff:203.0.113.9' }), // IPv4 on a dual-stack socket, as Node reports it
      fresh({ ip: 'fe80::1:0:0:1' }),
      fresh({ ip: '2001:0db8::1' }), // not canonical: kept as text
      fresh({ ip: 'FE80::1' }), // upper case: kept as text
      fresh({ ip: '010.1.1.1' }),
      fresh({ ip: 'fe80::1%eth0' }),
      fresh({ ip: 'not an address, whatever a proxy said' }),
      fresh({ ip: '' }),
      fresh({ ip: null, userAgentDigest: null }),
      fresh({ kind: 'token', idleTimeoutSeconds: 600 }),
      fresh({ idleTimeoutSeconds: 43_200 }), // equal to the absolute lifetime: one byte
      fresh({ data: { theme: 'dark', n: 1, nested: { list: [1, 'two', null], ünï: '✓' } } }),
      // A clock that went backwards between two writes (the system clock was stepped).
      fresh({ lastSeenAt: created - 5_000, renewedAt: created + 10, authTime: created - 1 }),
    ];
    for (const record of cases) expect(roundTrip(record).back).toEqual(record);
  });

  it('leaves the user agent text out and keeps its digest', () => {
    const record = { ...fresh(), userAgent: CHROME };
    const { back } = roundTrip(record);
    expect(back.userAgent).toBeUndefined();
    expect(back.userAgentDigest).toBe(userAgentDigest(CHROME));
  });

  it('refuses what it cannot hold exactly, rather than storing something else', () => {
    expect(() => encodeSessionRecord(fresh({ handle: 'short' }))).toThrow();
    expect(() => encodeSessionRecord(fresh({ csrfSecret: 'x'.repeat(43) }))).toThrow();
    expect(() => encodeSessionRecord(fresh({ userAgentDigest: 'nope' }))).toThrow();
  });

  it('refuses garbage, a truncated record, trailing bytes and an unknown version', () => {
    const bytes = encodeSessionRecord(fresh({ data: { a: 1 } }));
    const bad = [
      Buffer.from('garbage'),
      Buffer.alloc(0),
      bytes.subarray(0, bytes.length - 1),
      Buffer.concat([bytes, Buffer.from([0])]),
      Buffer.from([2, ...bytes.subarray(1)]),
      Buffer.from([1, 0xc0, ...bytes.subarray(2)]),
      Buffer.from('{"v":1,"handle":"abc","userId":"u","createdAt":1}'),
    ];
    for (const value of bad) expect(() => decodeSessionRecord(value, 'u')).toThrow();
  });
});
