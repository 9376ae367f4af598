import { PasswordPolicyException } from '../errors/warden.exceptions.js';
import { assertPasswordPolicy, normalizePassword } from './password-policy.js';

const limits = { minLength: 8, maxLength: 256 };

describe('assertPasswordPolicy', () => {
  it('accepts a long, uncommon passphrase', () => {
    expect(() => assertPasswordPolicy('correct horse battery staple', limits)).not.toThrow();
  });

  it('counts code points, not UTF-16 units', () => {
    // 4 emoji are 8 UTF-16 units but only 4 characters
    expect(() => assertPasswordPolicy('😀😀😀😀', limits)).toThrow(PasswordPolicyException);
    expect(() => assertPasswordPolicy('😀😀😀😀😀😀😀😀', limits)).not.toThrow();
    expect(() => assertPasswordPolicy('😀'.repeat(256), limits)).not.toThrow();
    expect(() => assertPasswordPolicy('😀'.repeat(257), limits)).toThrow(
      'Password must be between 8 and 256 characters',
    );
  });

  it('rejects the most common passwords whatever their case', () => {
    for (const common of ['password', 'Password1', 'qwertyuiop', '12345678', 'ILOVEYOU1']) {
      expect(() => assertPasswordPolicy(common, limits)).toThrow(/too common/);
    }
  });

  it('rejects the account email and its local part', () => {
    expect(() =>
      assertPasswordPolicy('Alice.Smith@example.com', limits, 'alice.smith@example.com'),
    ).toThrow(/email/);
    expect(() => assertPasswordPolicy('alice.smith', limits, 'alice.smith@example.com')).toThrow(
      /email/,
    );
  });

  it('refuses easily guessed passwords below minStrength, with a hint and without the password', () => {
    const strict = { ...limits, minStrength: 3 };
    for (const weak of [
      'aaaaaaaa',
      'abcdefgh',
      'password123456',
      'qwertyuiopasdfgh',
      'Password1!',
    ]) {
      let message = '';
      try {
        assertPasswordPolicy(weak, strict);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/too easy to guess.*choose a longer passphrase/);
      expect(message).not.toContain(weak);
    }
    expect(() => assertPasswordPolicy('correct horse battery staple', strict)).not.toThrow();
    expect(() => assertPasswordPolicy('abcdefgh', { ...limits, minStrength: 0 })).not.toThrow();
  });

  it('counts the email and user inputs as known words', () => {
    const strict = { ...limits, minStrength: 3 };
    const email = 'gwendolyn.brightwater@example.com';
    expect(() => assertPasswordPolicy('brightwatergwendolyn', strict)).not.toThrow();
    expect(() => assertPasswordPolicy('brightwatergwendolyn', strict, email)).toThrow(/guess/);
  });

  it('has no composition rules', () => {
    expect(() => assertPasswordPolicy('all lower case words here', limits)).not.toThrow();
  });
});

describe('normalizePassword', () => {
  it('maps composed and decomposed forms, and full-width digits, to one form', () => {
    expect(normalizePassword('caf\u0065\u0301')).toBe(normalizePassword('caf\u00e9'));
    expect(normalizePassword('１２３')).toBe('123');
  });
});
