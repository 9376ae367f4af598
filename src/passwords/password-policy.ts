import { dictionary } from '@zxcvbn-ts/language-common';
import { PasswordPolicyException } from '../errors/warden.exceptions.js';

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
 * of the most common passwords, not the account's own email. No composition rules (NIST
 * SP 800-63B). Throws {@link PasswordPolicyException} with a message a user can act on.
 */
export function assertPasswordPolicy(
  password: string,
  limits: { minLength: number; maxLength: number },
  email?: string,
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
}
