import { dictionary } from '@zxcvbn-ts/language-common';
import { PasswordPolicyException } from '../errors/warden.exceptions.js';
import { passwordStrength } from './password-strength.js';

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * The ~49,000 most common passwords of zxcvbn-ts' maintained list, lower-cased. Loaded once,
 * on first use, so apps that never check a password never pay for it.
 */
function common(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    (dictionary['passwords-common'] as string[]).map((word) => word.toLowerCase()),
  );
  return commonPasswords;
}

/**
 * NFKC-normalises a password. Applied identically at register, login and change, so a
 * password typed on another keyboard or OS (composed vs decomposed accents, full-width
 * digits) still matches.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Checks a password against the policy, before any hashing: length in code points, not one
 * of the most common passwords, not the account's own email, and (when `minStrength` > 0) a
 * zxcvbn score of at least `minStrength`, with the email and `userInputs` (display name) as
 * words an attacker knows. No composition rules (NIST SP 800-63B). Throws
 * {@link PasswordPolicyException} with a message a user can act on, never the password.
 */
export function assertPasswordPolicy(
  password: string,
  limits: { minLength: number; maxLength: number; minStrength?: number },
  email?: string,
  userInputs: string[] = [],
): void {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < limits.minLength || length > limits.maxLength) {
    throw new PasswordPolicyException(
      `Password must be between ${limits.minLength} and ${limits.maxLength} characters`,
    );
  }
  const lower = normalized.toLowerCase();
  if (common().has(lower)) {
    throw new PasswordPolicyException(
      'Password is too common: it appears in lists of leaked passwords. Choose another one',
    );
  }
  if (email && (lower === email || lower === email.split('@')[0])) {
    throw new PasswordPolicyException('Password must not be your email address');
  }
  const minStrength = limits.minStrength ?? 0;
  if (minStrength > 0) {
    const { score, warning } = passwordStrength(normalized, [
      ...(email ? [email] : []),
      ...userInputs,
    ]);
    if (score < minStrength) {
      throw new PasswordPolicyException(
        `Password is too easy to guess${warning ? ` (${warning.replace(/\.$/, '')})` : ''}: choose a longer passphrase of several unrelated words`,
      );
    }
  }
}
