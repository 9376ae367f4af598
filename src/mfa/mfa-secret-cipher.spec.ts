import { MfaSecretCipher, MfaSecretUnreadableError } from './mfa-secret-cipher.js';

const OLD_KEY = 'o'.repeat(32);
const NEW_KEY = 'n'.repeat(40);
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** Runs `read` and returns what it threw. */
function thrown(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** `value` with one character of part `index` (0-based, after `v1.<id>.`) changed. */
function tamper(value: string, index: number): string {
  const parts = value.split('.');
  const part = parts[2 + index];
  const flipped = part[0] === 'A' ? 'B' : 'A';
  parts[2 + index] = flipped + part.slice(1);
  return parts.join('.');
}

describe('MfaSecretCipher', () => {
  describe('constructor', () => {
    it('refuses an empty list', () => {
      expect(() => new MfaSecretCipher([])).toThrow(/mfa\.encryptionKeys/);
    });

    it('refuses a key shorter than 32 characters, naming the entry and not the key', () => {
      const error = thrown(() => new MfaSecretCipher([NEW_KEY, 'short-key-123']));
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(
        'mfa.encryptionKeys entry 1 is shorter than 32 characters',
      );
      expect((error as Error).message).not.toContain('short-key-123');
    });
  });

  describe('encrypt', () => {
    it('gives v1.<key id>.<iv>.<ciphertext>.<tag>, different each time', () => {
      const cipher = new MfaSecretCipher([NEW_KEY]);
      const a = cipher.encrypt(SECRET, 'user-1');
      const b = cipher.encrypt(SECRET, 'user-1');
      expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect(a).not.toBe(b);
      expect(a).not.toContain(SECRET);
    });
  });

  describe('decrypt', () => {
    const cipher = new MfaSecretCipher([NEW_KEY]);

    it('round-trips', () => {
      expect(cipher.decrypt(cipher.encrypt(SECRET, 'user-1'), 'user-1')).toBe(SECRET);
      expect(cipher.decrypt(cipher.encrypt('', 'user-1'), 'user-1')).toBe('');
    });

    it("refuses a value moved to another user's row", () => {
      const value = cipher.encrypt(SECRET, 'user-1');
      expect(() => cipher.decrypt(value, 'user-2')).toThrow(MfaSecretUnreadableError);
    });

    it.each([
      ['iv', 0],
      ['ciphertext', 1],
      ['tag', 2],
    ])('refuses a tampered %s', (_, index) => {
      const value = cipher.encrypt(SECRET, 'user-1');
      const error = thrown(() => cipher.decrypt(tamper(value, index), 'user-1'));
      expect(error).toBeInstanceOf(MfaSecretUnreadableError);
      expect((error as MfaSecretUnreadableError).reason).toBe('unauthentic');
    });

    it('refuses a value of a key it does not have', () => {
      const value = new MfaSecretCipher([OLD_KEY]).encrypt(SECRET, 'user-1');
      const error = thrown(() => cipher.decrypt(value, 'user-1'));
      expect(error).toBeInstanceOf(MfaSecretUnreadableError);
      expect((error as MfaSecretUnreadableError).reason).toBe('unknown-key');
    });

    it.each([
      ['empty', ''],
      ['the plaintext', SECRET],
      ['another version', 'v2.00000000.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA'],
      ['a short iv', 'v1.00000000.AAAA.AA.AAAAAAAAAAAAAAAAAAAAAA'],
      ['a part too many', 'v1.00000000.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA.AA'],
      ['non-base64url', 'v1.00000000.AAAAAAAAAAAAAAA+.AA.AAAAAAAAAAAAAAAAAAAAAA'],
    ])('refuses a malformed value (%s)', (_, value) => {
      const error = thrown(() => cipher.decrypt(value, 'user-1'));
      expect(error).toBeInstanceOf(MfaSecretUnreadableError);
      expect((error as MfaSecretUnreadableError).reason).toBe('malformed');
    });

    it('never puts the value or the secret in the error', () => {
      const value = cipher.encrypt(SECRET, 'user-1');
      const values = [value, tamper(value, 2), SECRET, value.replace('v1.', 'v9.')];
      for (const bad of values) {
        const error = thrown(() => cipher.decrypt(bad, 'user-2')) as Error;
        const shown = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`;
        for (const part of [SECRET, ...value.split('.').slice(1)]) {
          expect(shown).not.toContain(part);
        }
      }
    });
  });

  describe('key rotation', () => {
    it('reads values of an older key once a new key is prepended, and tells them apart', () => {
      const before = new MfaSecretCipher([OLD_KEY]);
      const old = before.encrypt(SECRET, 'user-1');
      expect(before.isCurrent(old)).toBe(true);

      const after = new MfaSecretCipher([NEW_KEY, OLD_KEY]);
      expect(after.decrypt(old, 'user-1')).toBe(SECRET);
      expect(after.isCurrent(old)).toBe(false);
      const fresh = after.encrypt(SECRET, 'user-1');
      expect(after.isCurrent(fresh)).toBe(true);
      expect(new MfaSecretCipher([NEW_KEY]).decrypt(fresh, 'user-1')).toBe(SECRET);
    });

    it('is not current for a malformed value', () => {
      expect(new MfaSecretCipher([NEW_KEY]).isCurrent('nonsense')).toBe(false);
    });
  });
});
