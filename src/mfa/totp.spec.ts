import { generateTotpSecret, matchTotp, totpCode, totpQrSvg, totpUri } from './totp.js';

/** RFC 6238 Appendix B: the SHA-1 seed, ASCII "12345678901234567890", in base32. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const STEP_MS = 30_000;

describe('totp', () => {
  describe('totpCode', () => {
    it.each([
      [59, '287082'],
      [1111111109, '081804'],
      [1111111111, '050471'],
      [1234567890, '005924'],
      [2000000000, '279037'],
      [20000000000, '353130'],
    ])('gives the RFC 6238 Appendix B SHA-1 code at T=%i s', (seconds, code) => {
      expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(code);
    });
  });

  describe('generateTotpSecret', () => {
    it('gives 20 random bytes in base32 (32 characters), different each time', () => {
      const secrets = new Set(Array.from({ length: 20 }, () => generateTotpSecret()));
      expect(secrets.size).toBe(20);
      for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    });

    it('gives a secret whose codes match', () => {
      const secret = generateTotpSecret();
      const now = Date.UTC(2026, 0, 1, 12);
      expect(matchTotp(secret, totpCode(secret, now), now)).toBe(Math.floor(now / STEP_MS));
    });
  });

  describe('matchTotp', () => {
    const now = 1234567890_000;
    const step = Math.floor(now / STEP_MS);

    it('returns the absolute step of a code of the current step', () => {
      expect(matchTotp(RFC_SECRET, '005924', now)).toBe(step);
    });

    it('accepts a code one step either side and returns that step', () => {
      expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - STEP_MS), now)).toBe(step - 1);
      expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + STEP_MS), now)).toBe(step + 1);
    });

    it('refuses a code two steps away, unless the window says otherwise', () => {
      const old = totpCode(RFC_SECRET, now - 2 * STEP_MS);
      const early = totpCode(RFC_SECRET, now + 2 * STEP_MS);
      expect(matchTotp(RFC_SECRET, old, now)).toBeNull();
      expect(matchTotp(RFC_SECRET, early, now)).toBeNull();
      expect(matchTotp(RFC_SECRET, old, now, 2)).toBe(step - 2);
    });

    it('accepts only the current step with window 0', () => {
      expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - STEP_MS), now, 0)).toBeNull();
      expect(matchTotp(RFC_SECRET, '005924', now, 0)).toBe(step);
    });

    it('accepts spaces around and inside the code', () => {
      expect(matchTotp(RFC_SECRET, ' 005924 ', now)).toBe(step);
      expect(matchTotp(RFC_SECRET, '005 924', now)).toBe(step);
    });

    it.each([
      ['empty', ''],
      ['5 digits', '05924'],
      ['7 digits', '0005924'],
      ['non-digits', '00592a'],
      ['a sign', '+05924'],
      ['non-ASCII digits', '００５９２４'],
      ['a wrong code', '005925'],
    ])('refuses %s', (_, code) => {
      expect(matchTotp(RFC_SECRET, code, now)).toBeNull();
    });

    it('never throws on bad input', () => {
      expect(matchTotp('not base32!', '005924', now)).toBeNull();
      expect(matchTotp('', '005924', now)).toBeNull();
      expect(matchTotp(RFC_SECRET, '005924', Number.NaN)).toBeNull();
      expect(matchTotp(RFC_SECRET, undefined as unknown as string, now)).toBeNull();
      expect(matchTotp(RFC_SECRET, 5924 as unknown as string, now)).toBeNull();
    });

    it('refuses a window that is not an integer 0..10 (a caller bug)', () => {
      expect(() => matchTotp(RFC_SECRET, '005924', now, -1)).toThrow(RangeError);
      expect(() => matchTotp(RFC_SECRET, '005924', now, 1.5)).toThrow(RangeError);
    });
  });

  describe('totpUri', () => {
    it('names the issuer, the encoded account label, SHA1, 6 digits and 30 s', () => {
      const uri = new URL(
        totpUri({ secret: RFC_SECRET, issuer: 'Acme Co', account: 'a+b@example.com' }),
      );
      expect(uri.protocol).toBe('otpauth:');
      expect(uri.host).toBe('totp');
      expect(uri.pathname).toBe('/Acme%20Co:a%2Bb%40example.com');
      expect(decodeURIComponent(uri.pathname.slice(1))).toBe('Acme Co:a+b@example.com');
      expect(uri.searchParams.get('issuer')).toBe('Acme Co');
      expect(uri.searchParams.get('secret')).toBe(RFC_SECRET);
      expect(uri.searchParams.get('algorithm')).toBe('SHA1');
      expect(uri.searchParams.get('digits')).toBe('6');
      expect(uri.searchParams.get('period')).toBe('30');
    });
  });

  describe('totpQrSvg', () => {
    it('renders an SVG', async () => {
      const svg = await totpQrSvg(
        totpUri({ secret: RFC_SECRET, issuer: 'Acme', account: 'a@example.com' }),
      );
      expect(svg).toContain('<svg');
      expect(svg.trim().endsWith('</svg>')).toBe(true);
    });
  });
});
