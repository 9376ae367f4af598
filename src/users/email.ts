import unhomoglyph from 'unhomoglyph';
import { EmailInvalidException } from '../errors/warden.exceptions.js';

/**
 * The one form of an email nest-warden stores and compares: trimmed, Unicode NFKC-normalised
 * and lower-cased (`API.md`). `' Alice@Example.COM'` and `'alice@example.com'` are one account.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/**
 * Code points that render as nothing, or reorder what is around them: default-ignorables
 * (zero-width space and joiners, soft hyphen, variation selectors, …), bidi controls (U+202E,
 * isolates), other format and control characters, unassigned, private-use and surrogate code
 * points, and line/paragraph separators. Two emails that differ only by one look identical.
 */
const INVISIBLE =
  /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u;

/**
 * Throws {@link EmailInvalidException} (400 `EMAIL_INVALID`) when the email holds an invisible,
 * default-ignorable or bidi-control code point. Apply to every address a user chooses
 * (registration, email change), after {@link normalizeEmail}.
 */
export function assertEmailAllowed(email: string): void {
  if (INVISIBLE.test(email)) {
    throw new EmailInvalidException(
      'Email contains an invisible or direction-control character: type the address again',
    );
  }
}

/**
 * The confusable skeleton of an email (Unicode TR39 §4, with the confusables table of
 * `unhomoglyph`): lower-case, NFD, drop default-ignorables and combining marks, map every
 * confusable to its prototype, NFD, lower-case. Two emails with the same skeleton look alike
 * (`аlice` with a Cyrillic а, `alİce`, `a\u0301lice` all give the skeleton of `alice`); stored
 * per user with a unique index, so a look-alike of an existing account is taken (409).
 * Dropping combining marks is stricter than TR39: `jürgen@` and `jurgen@` are one account.
 */
export function emailSkeleton(email: string): string {
  const bare = email
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\p{Default_Ignorable_Code_Point}\p{Mn}]/gu, '');
  return unhomoglyph(bare).normalize('NFD').toLowerCase();
}
