import { userTag } from '../core/redis-keys.js';
import { SessionCookieCodec } from './session-cookie.js';

const secret = 's'.repeat(40);

describe('SessionCookieCodec', () => {
  const codec = new SessionCookieCodec([secret], false);
  const secure = new SessionCookieCodec([secret], true);

  describe('encode / decode', () => {
    it('round-trips an id and the 12-byte slot tag, in 110 characters', () => {
      const id = SessionCookieCodec.newId();
      const tag = userTag('user-1');
      expect(Buffer.from(tag, 'base64url')).toHaveLength(12);
      const value = codec.encode({ id, tag });
      expect(value).toHaveLength(110);
      expect(codec.decode(value)).toEqual({ id, tag });
    });

    it('refuses to encode a tag that is not 12 bytes', () => {
      expect(() => codec.encode({ id: SessionCookieCodec.newId(), tag: 'abcd' })).toThrow(
        /12 bytes/,
      );
    });

    it('gives stores 128 bits of SHA-256(id), never the id', () => {
      const id = SessionCookieCodec.newId();
      const idHash = SessionCookieCodec.hashId(id);
      expect(idHash).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(idHash, 'base64url')).toHaveLength(16);
      expect(idHash).not.toContain(id.slice(0, 8));
    });

    it('hides the user: two cookies of one user share no visible part', () => {
      const tag = userTag('user-1');
      // 4 random bytes beside the 12 tag bytes in the one encrypted block: 100 cookies of one
      // user have 100 unrelated locators (a repeat has odds of about 1e-6).
      const locators = Array.from(
        { length: 100 },
        () => codec.encode({ id: SessionCookieCodec.newId(), tag }).split('.')[1],
      );
      expect(new Set(locators).size).toBe(100);
    });

    it('uses 256 random bits per id: 1,000 ids are distinct, 32 bytes each, every bit balanced', () => {
      const ids = Array.from({ length: 1000 }, () => SessionCookieCodec.newId());
      expect(new Set(ids).size).toBe(ids.length);
      const bytes = ids.map((id) => Buffer.from(id, 'base64url'));
      for (const [i, raw] of bytes.entries()) {
        expect(raw).toHaveLength(32);
        expect(raw.toString('base64url')).toBe(ids[i]); // canonical: no bits hidden in padding
      }
      // Each of the 256 bit positions is set in 30-70 % of the ids. For a fair bit the count is
      // Binomial(1000, 1/2): P(count < 300) = P(count > 700) = 3.8e-38, so a false failure
      // over 2 x 256 tails is below 2e-35 (and a collision among the ids about 4e-72).
      const unbalanced: number[] = [];
      for (let bit = 0; bit < 256; bit++) {
        const mask = 0x80 >> (bit % 8);
        const set = bytes.filter((raw) => (raw[bit >> 3] & mask) !== 0).length;
        if (set < 300 || set > 700) unbalanced.push(bit);
      }
      expect(unbalanced).toEqual([]);
    });

    it('rejects a cookie whose locator or id was swapped between two valid cookies', () => {
      const a = codec.encode({ id: SessionCookieCodec.newId(), tag: userTag('a') }).split('.');
      const b = codec.encode({ id: SessionCookieCodec.newId(), tag: userTag('b') }).split('.');
      expect(codec.decode([a[0], b[1], a[2]].join('.'))).toBeNull();
      expect(codec.decode([b[0], a[1], a[2]].join('.'))).toBeNull();
    });

    it('accepts only the canonical base64url spelling of each part (no spare bits set)', () => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      // Flipping the lowest bit of the last character keeps the decoded bytes of a 43-char field.
      const twin = (part: string) =>
        `${part.slice(0, -1)}${alphabet[alphabet.indexOf(part[part.length - 1]) ^ 1]}`;
      const id = SessionCookieCodec.newId();
      const [cookieId, locator, signature] = codec.encode({ id, tag: userTag('abcd') }).split('.');
      expect(Buffer.from(twin(signature), 'base64url')).toEqual(
        Buffer.from(signature, 'base64url'),
      );
      expect(codec.decode([cookieId, locator, signature].join('.'))).not.toBeNull();
      expect(codec.decode([cookieId, locator, twin(signature)].join('.'))).toBeNull();
      // A non-canonical id, even one the codec itself signed, is refused.
      expect(codec.decode(codec.encode({ id: twin(id), tag: userTag('abcd') }))).toBeNull();
    });
  });

  describe('decode, every spelling', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    /** The other spellings of a part's bytes: its last character with spare bits set. */
    const twins = (part: string, spareBits: number) => {
      const last = alphabet.indexOf(part[part.length - 1]);
      return Array.from({ length: (1 << spareBits) - 1 }, (_, i) => {
        const other = `${part.slice(0, -1)}${alphabet[last + i + 1]}`;
        expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(part, 'base64url'));
        return other;
      });
    };

    it('refuses every non-canonical spelling of the id, the locator and the signature', () => {
      const [id, locator, signature] = codec
        .encode({ id: SessionCookieCodec.newId(), tag: userTag('0f1e') })
        .split('.');
      expect(codec.decode([id, locator, signature].join('.'))).toEqual({
        id,
        tag: userTag('0f1e'),
      });
      for (const other of twins(id, 2)) {
        expect(codec.decode([other, locator, signature].join('.'))).toBeNull();
      }
      for (const other of twins(locator, 4)) {
        expect(codec.decode([id, other, signature].join('.'))).toBeNull();
      }
      for (const other of twins(signature, 2)) {
        expect(codec.decode([id, locator, other].join('.'))).toBeNull();
      }
    });

    it('refuses a value of the right length with another separator or character', () => {
      const value = codec.encode({ id: SessionCookieCodec.newId(), tag: userTag('abcd') });
      for (const at of [43, 66]) {
        expect(codec.decode(`${value.slice(0, at)}-${value.slice(at + 1)}`)).toBeNull();
      }
      expect(codec.decode(`${value.slice(0, 10)}+${value.slice(11)}`)).toBeNull();
      expect(codec.decode(`${value.slice(0, 10)}=${value.slice(11)}`)).toBeNull();
      expect(codec.decode(value.slice(1))).toBeNull();
      expect(codec.decode(`${value}A`)).toBeNull();
    });

    it('verifies with every secret (rotation), signs with the first, and no other', () => {
      const older = new SessionCookieCodec([secret], false);
      const rotated = new SessionCookieCodec(['n'.repeat(40), secret], false);
      const stranger = new SessionCookieCodec(['x'.repeat(40)], false);
      const value = older.encode({ id: SessionCookieCodec.newId(), tag: userTag('abcd') });
      expect(rotated.decode(value)?.tag).toBe(userTag('abcd'));
      expect(stranger.decode(value)).toBeNull();
      const fresh = rotated.encode({ id: SessionCookieCodec.newId(), tag: userTag('1234') });
      expect(older.decode(fresh)).toBeNull();
      expect(new SessionCookieCodec(['n'.repeat(40)], false).decode(fresh)?.tag).toBe(
        userTag('1234'),
      );
    });
  });

  describe('read', () => {
    const value = codec.encode({ id: SessionCookieCodec.newId(), tag: userTag('abcd') });

    it('finds the cookie among others', () => {
      expect(codec.read(`theme=dark; sid=${value}; lang=en`)).toBe(value);
      expect(codec.read(`sid=${value}`)).toBe(value);
    });

    it('ignores a name in another case or with leading whitespace', () => {
      expect(secure.read(`__host-sid=${value}`)).toBeUndefined();
      expect(secure.read(`__Host-sid=${value}`)).toBe(value);
      expect(codec.read(` sid=${value}`)).toBeUndefined();
      expect(codec.read(`a=1;  sid=${value}`)).toBeUndefined();
      expect(codec.read(`SID=${value}`)).toBeUndefined();
    });

    it('treats two copies of the cookie as none (cookie tossing)', () => {
      expect(codec.read(`sid=${value}; sid=${value}`)).toBeUndefined();
      expect(codec.read([`sid=${value}`, `sid=other`])).toBeUndefined();
    });
  });

  describe('serialize / expire', () => {
    it('sets HttpOnly, SameSite=Lax, Path=/ and no Domain', () => {
      expect(codec.serialize('v')).toBe('sid=v; Path=/; HttpOnly; SameSite=Lax');
      expect(codec.serialize('v', 3600)).toBe(
        'sid=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax',
      );
    });

    it('names the secure cookie __Host-sid and adds Secure', () => {
      expect(secure.serialize('v')).toBe('__Host-sid=v; Path=/; HttpOnly; SameSite=Lax; Secure');
    });

    it('expires the cookie with the same attributes', () => {
      expect(secure.expire()).toBe(
        '__Host-sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax; Secure',
      );
    });
  });
});
