import { isIPv4, isIPv6 } from 'node:net';
import type { SessionRecord } from './session.record.js';

// The binary form of a SessionRecord inside RedisSessionStore's per-user hash. Small enough
// (≤ 64 bytes while the data bag is empty) that a user's hash stays in Redis's compact listpack
// encoding. The user id is not in it (the hash's field `u` holds it once per user).
//
// Offset  Size  Field
//   0      1    format version (1)
//   1      1    flags: 1 token kind, 2 idle override, 4 data bag, 8|16 ip kind (0 none, 8 IPv4,
//                16 IPv6, 24 text), 32 user-agent digest; 64 and 128 are reserved (must be 0)
//   2      6    createdAt, ms since the epoch, big-endian          (fixed offset: Lua reads it)
//   8      8    handle (11 base64url characters)                   (fixed offset: Lua reads it)
//  16     16    csrfSecret (22 base64url characters)
//  32      …    varints: authVersion (unsigned); zigzag deltas in ms: lastSeenAt − createdAt,
//                authTime − createdAt, renewedAt − lastSeenAt, absoluteExpiresAt − createdAt
//          …    idle override (varint): 0 = the absolute lifetime, else seconds + 1
//          …    ip: 4 or 16 bytes, or a varint length and UTF-8 text
//          …    user-agent digest: 6 bytes
//          …    data bag: varint length and JSON
//
// The Lua scripts (redis-session.scripts.ts) read createdAt and the handle at their offsets and
// walk the varints for the idle and absolute clocks; keep both in step.

export const RECORD_VERSION = 1;
export const HANDLE_BYTES = 8;
export const CSRF_SECRET_BYTES = 16;
const UA_DIGEST_BYTES = 6;
const FIXED = 32;

const F_TOKEN = 1;
const F_IDLE = 2;
const F_DATA = 4;
const IP_MASK = 24;
const IP_NONE = 0;
const IP_V4 = 8;
const IP_V6 = 16;
const IP_TEXT = 24;
const F_UA = 32;
const F_RESERVED = 192;

/** The bytes of a base64url field of `size` bytes, or null unless `text` is its one spelling. */
export function fixedBase64url(text: string, size: number): Buffer | null {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === size && bytes.toString('base64url') === text ? bytes : null;
}

class Writer {
  private readonly bytes: number[] = [];
  push(...values: number[]): void {
    this.bytes.push(...values);
  }
  buffer(value: Buffer): void {
    for (const byte of value) this.bytes.push(byte);
  }
  /** Unsigned LEB128; `value` a safe non-negative integer. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad varint ${value}`);
    while (value >= 128) {
      this.bytes.push((value % 128) + 128);
      value = Math.floor(value / 128);
    }
    this.bytes.push(value);
  }
  /** Zigzag: 0, -1, 1, -2 … as 0, 1, 2, 3 … */
  signed(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }
  text(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.varint(bytes.length);
    this.buffer(bytes);
  }
  done(): Buffer {
    return Buffer.from(this.bytes);
  }
}

class Reader {
  pos = FIXED;
  constructor(private readonly bytes: Buffer) {}
  take(size: number): Buffer {
    if (this.pos + size > this.bytes.length) throw new RangeError('record too short');
    const out = this.bytes.subarray(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }
  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.take(1)[0];
      value += (byte & 127) * scale;
      if (byte < 128) return value;
      scale *= 128;
      if (scale > 2 ** 49) throw new RangeError('varint too long');
    }
  }
  signed(): number {
    const value = this.varint();
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }
  text(): string {
    return this.take(this.varint()).toString('utf8');
  }
}

/** The record in its binary form. Throws for a handle, secret or time it cannot hold. */
export function encodeSessionRecord(record: SessionRecord): Buffer {
  const handle = fixedBase64url(record.handle, HANDLE_BYTES);
  const csrf = fixedBase64url(record.csrfSecret, CSRF_SECRET_BYTES);
  if (!handle || !csrf) throw new TypeError('session handle or CSRF secret of the wrong size');
  const createdAt = Math.round(record.createdAt);
  if (createdAt < 0 || createdAt >= 2 ** 48) throw new RangeError('createdAt out of range');
  const lastSeenAt = Math.round(record.lastSeenAt);
  const ua = record.userAgentDigest ?? null;
  const uaBytes = ua === null ? null : fixedBase64url(ua, UA_DIGEST_BYTES);
  if (ua !== null && !uaBytes) throw new TypeError('bad user-agent digest');
  const ip = ipBytes(record.ip);
  const hasData = Object.keys(record.data ?? {}).length > 0;
  const idle = record.idleTimeoutSeconds;
  const flags =
    (record.kind === 'token' ? F_TOKEN : 0) |
    (idle !== undefined ? F_IDLE : 0) |
    (hasData ? F_DATA : 0) |
    ip.kind |
    (uaBytes ? F_UA : 0);

  const out = new Writer();
  out.push(RECORD_VERSION, flags);
  for (let shift = 5; shift >= 0; shift--) out.push(Math.floor(createdAt / 256 ** shift) % 256);
  out.buffer(handle);
  out.buffer(csrf);
  out.varint(record.authVersion);
  out.signed(lastSeenAt - createdAt);
  out.signed(Math.round(record.authTime) - createdAt);
  out.signed(Math.round(record.renewedAt) - lastSeenAt);
  const lifetime = Math.round(record.absoluteExpiresAt) - createdAt;
  out.signed(lifetime);
  if (idle !== undefined) out.varint(idle * 1000 === lifetime ? 0 : idle + 1);
  if (ip.kind === IP_TEXT) out.text(record.ip!);
  else if (ip.bytes) out.buffer(ip.bytes);
  if (uaBytes) out.buffer(uaBytes);
  if (hasData) out.text(JSON.stringify(record.data));
  return out.done();
}

/**
 * The record back from its binary form, for `userId`, exactly as it was encoded (the user
 * agent's text is not in it: `userAgentDigest` is). Throws for anything malformed.
 */
export function decodeSessionRecord(bytes: Buffer, userId: string): SessionRecord {
  if (bytes.length < FIXED + 5 || bytes[0] !== RECORD_VERSION || bytes[1] & F_RESERVED)
    throw new TypeError('not a session record');
  const flags = bytes[1];
  let createdAt = 0;
  for (let i = 2; i < 8; i++) createdAt = createdAt * 256 + bytes[i];
  const handle = bytes.subarray(8, 16).toString('base64url');
  const csrfSecret = bytes.subarray(16, 32).toString('base64url');
  const read = new Reader(bytes);
  const authVersion = read.varint();
  const lastSeenAt = createdAt + read.signed();
  const authTime = createdAt + read.signed();
  const renewedAt = lastSeenAt + read.signed();
  const lifetime = read.signed();
  let idleTimeoutSeconds: number | undefined;
  if (flags & F_IDLE) {
    const idle = read.varint();
    idleTimeoutSeconds = idle === 0 ? lifetime / 1000 : idle - 1;
  }
  let ip: string | null = null;
  const ipKind = flags & IP_MASK;
  if (ipKind === IP_V4) ip = [...read.take(4)].join('.');
  else if (ipKind === IP_V6) ip = formatIPv6(read.take(16));
  else if (ipKind === IP_TEXT) ip = read.text();
  const digest = flags & F_UA ? read.take(UA_DIGEST_BYTES).toString('base64url') : null;
  let data: Record<string, unknown> = {};
  if (flags & F_DATA) {
    const parsed: unknown = JSON.parse(read.text());
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new TypeError('bad data bag');
    data = parsed as Record<string, unknown>;
  }
  if (read.pos !== bytes.length) throw new TypeError('trailing bytes');
  return {
    v: 1,
    handle,
    userId,
    authVersion,
    createdAt,
    lastSeenAt,
    authTime,
    renewedAt,
    absoluteExpiresAt: createdAt + lifetime,
    ip,
    userAgentDigest: digest,
    csrfSecret,
    data,
    ...(flags & F_TOKEN ? { kind: 'token' as const } : {}),
    ...(idleTimeoutSeconds !== undefined ? { idleTimeoutSeconds } : {}),
  };
}

/** How an ip is kept: binary when its text is the one the decoder prints back, else text. */
function ipBytes(ip: string | null): { kind: number; bytes?: Buffer } {
  if (ip === null || ip === undefined) return { kind: IP_NONE };
  if (isIPv4(ip)) {
    const bytes = Buffer.from(ip.split('.').map(Number));
    if ([...bytes].join('.') === ip) return { kind: IP_V4, bytes };
  } else if (isIPv6(ip)) {
    const bytes = parseIPv6(ip);
    if (bytes && formatIPv6(bytes) === ip) return { kind: IP_V6, bytes };
  }
  return { kind: IP_TEXT };
}

function parseIPv6(ip: string): Buffer | null {
  let text = ip;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const words = [...head, ...new Array<number>(fill).fill(0), ...rest];
  if (words.some((w) => !(w >= 0 && w <= 0xffff))) return null;
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/**
 * RFC 5952 text of 16 bytes: lower case, the longest run (≥ 2) of zero groups as `::`, an
 * IPv4-mapped address as `::ffff:a.b.c.d` (as Node reports IPv4 clients on a dual-stack socket).
 */
function formatIPv6(bytes: Buffer): string {
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes.readUInt16BE(10) === 0xffff)
    return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  const words = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLength))}`;
}
