import { EmailInvalidException } from '../errors/warden.exceptions.js';
import { assertEmailAllowed, emailSkeleton, normalizeEmail } from './email.js';

describe('assertEmailAllowed', () => {
  it.each([
    ['zero-width space', 'alice\u200b@example.com'],
    ['zero-width joiner', 'ali\u200dce@example.com'],
    ['soft hyphen', 'al\u00adice@example.com'],
    ['right-to-left override', 'ali\u202ece@example.com'],
    ['left-to-right mark', 'alice\u200e@example.com'],
    ['bidi isolate', '\u2066alice@example.com'],
    ['variation selector', 'alice\ufe0f@example.com'],
    ['control character', 'alice\u0007@example.com'],
    ['private-use code point', 'alice\ue000@example.com'],
  ])('refuses a %s with EMAIL_INVALID', (_name, email) => {
    expect(() => assertEmailAllowed(normalizeEmail(email))).toThrow(EmailInvalidException);
  });

  it('accepts plain and internationalised addresses', () => {
    for (const email of ['alice@example.com', 'jürgen@example.com', 'δοκιμή@παράδειγμα.δοκιμή']) {
      expect(() => assertEmailAllowed(normalizeEmail(email))).not.toThrow();
    }
  });
});

describe('emailSkeleton', () => {
  const alice = emailSkeleton('alice@example.com');

  it.each([
    ['Cyrillic а', '\u0430lice@example.com'],
    ['dotted İ', normalizeEmail('al\u0130ce@example.com')],
    ['combining acute', normalizeEmail('a\u0301lice@example.com')],
    ['upper case', 'ALICE@EXAMPLE.COM'],
    ['Greek ο in the domain', 'alice@example.c\u03bfm'],
  ])('maps a %s look-alike to the same skeleton', (_name, email) => {
    expect(emailSkeleton(email)).toBe(alice);
  });

  it('keeps different-looking addresses apart', () => {
    expect(emailSkeleton('bob@example.com')).not.toBe(alice);
    expect(emailSkeleton('alice@example.org')).not.toBe(alice);
  });
});
