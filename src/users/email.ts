/**
 * The one form of an email nest-warden stores and compares: trimmed, Unicode NFKC-normalised
 * and lower-cased (`API.md`). `' Alice@Example.COM'` and `'alice@example.com'` are one account.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}
