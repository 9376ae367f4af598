import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';

/**
 * Code points of a password that the estimate looks at. zxcvbn's matching grows faster than
 * linearly with length; past this prefix a password only gets stronger, so the score of the
 * prefix is a lower bound and the cost of a 256-character password stays that of 64.
 */
const SCORED_PREFIX = 64;

let factory: ZxcvbnFactory | undefined;

/** zxcvbn-ts with the common and English dictionaries, built once, on first use (~200 ms). */
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...commonDictionary, ...englishDictionary },
    graphs: adjacencyGraphs,
    translations,
    maxLength: SCORED_PREFIX,
  });
  return factory;
}

/** A zxcvbn score and its warning, if any. */
export interface PasswordStrength {
  /** 0 (trivially guessable) to 4 (very unguessable). */
  score: number;
  /** zxcvbn's generic hint (never a part of the password), or null. */
  warning: string | null;
}

/**
 * Estimates how guessable a password is with zxcvbn-ts. `userInputs` (the email, its local
 * part, the display name) count as words an attacker knows. CPU-heavy (a few ms, more on the
 * first call): only for new passwords (register, change), never on login.
 */
export function passwordStrength(password: string, userInputs: string[] = []): PasswordStrength {
  const prefix = [...password].slice(0, SCORED_PREFIX).join('');
  const inputs = userInputs.flatMap((input) => [input, ...input.split(/[@.\s_+-]+/)]);
  const result = estimator().check(
    prefix,
    inputs.filter((input) => input.length > 2),
  );
  return { score: result.score, warning: result.feedback.warning || null };
}
