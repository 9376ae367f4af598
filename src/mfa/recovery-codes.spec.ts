import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
} from './recovery-codes.js';

describe('recovery codes', () => {
  describe('generateRecoveryCodes', () => {
    it('gives 10 distinct codes shaped xxxx-xxxx-xxxx-xxxx in lowercase base32', () => {
      const codes = generateRecoveryCodes();
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    });

    it('gives as many as asked, and a fresh set each time', () => {
      expect(generateRecoveryCodes(3)).toHaveLength(3);
      const first = new Set(generateRecoveryCodes());
      expect(generateRecoveryCodes().some((code) => first.has(code))).toBe(false);
    });

    it('uses the whole alphabet (80 random bits per code)', () => {
      const seen = new Set(generateRecoveryCodes(200).join('').replace(/-/g, ''));
      expect(seen.size).toBe(32);
    });
  });

  describe('normalizeRecoveryCode', () => {
    it('takes a code as shown, or typed in any case with spaces and dashes', () => {
      expect(normalizeRecoveryCode('abcd-efgh-ijkl-mn23')).toBe('abcdefghijklmn23');
      expect(normalizeRecoveryCode(' ABCD EFGH-IJKL MN23 ')).toBe('abcdefghijklmn23');
      expect(normalizeRecoveryCode('abcdefghijklmn23')).toBe('abcdefghijklmn23');
    });

    it('round-trips every generated code', () => {
      for (const code of generateRecoveryCodes()) {
        expect(normalizeRecoveryCode(code.toUpperCase())).toBe(code.replace(/-/g, ''));
      }
    });

    it.each([
      ['empty', ''],
      ['too short', 'abcd-efgh-ijkl-mn2'],
      ['too long', 'abcd-efgh-ijkl-mn234'],
      ['outside base32', 'abcd-efgh-ijkl-mn01'],
      ['other punctuation', 'abcd.efgh.ijkl.mn23'],
    ])('refuses %s', (_, input) => {
      expect(normalizeRecoveryCode(input)).toBeNull();
    });

    it('refuses what is not a string', () => {
      expect(normalizeRecoveryCode(42 as unknown as string)).toBeNull();
    });
  });

  describe('hashRecoveryCode', () => {
    it('is SHA-256 hex, stable, and the same for any way the code was typed', () => {
      const stored = hashRecoveryCode('abcdefghijklmn23');
      // sha256sum of the 16 characters, no newline.
      expect(stored).toBe('d7b0c9ab68be24b8800f0df8d6dc180d8500a75564e5f365346b2af9d842619d');
      expect(hashRecoveryCode(normalizeRecoveryCode('ABCD-EFGH-IJKL-MN23')!)).toBe(stored);
      expect(hashRecoveryCode('abcdefghijklmn24')).not.toBe(stored);
    });
  });
});
