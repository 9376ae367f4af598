import { normalizeEmail } from '../users/email.js';
import { LoginDto } from './dto/login.dto.js';

const FIELDS = new Set(['email', 'password', 'rememberMe']);

/**
 * Holds a code unit that is neither a variation selector nor half of a surrogate pair: then the
 * length class-validator's `MinLength(1)` measures (UTF-16 units less those) is at least 1.
 */
const COUNTED = /[^\uFE0E\uFE0F\uD800-\uDFFF]/;

/** `value` is a string `MinLength(1)` and `MaxLength(max)` of class-validator both accept. */
function fits(value: string, max: number): boolean {
  return value.length <= max && COUNTED.test(value);
}

/**
 * The `LoginDto` the validation pipe would make of `body`, made directly when `body` is an
 * ordinary login (a plain object of `email` and `password` strings within their lengths and,
 * optionally, a boolean `rememberMe`); null for anything else, which then goes through the pipe
 * (and its 400 messages). The pipe's work for a valid body (class-transformer, then
 * class-validator's metadata walk) is most of a login's validation cost.
 */
export function plainLoginBody(body: unknown): LoginDto | null {
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype)
    return null;
  const { email, password, rememberMe } = body as Record<string, unknown>;
  if (typeof email !== 'string' || typeof password !== 'string') return null;
  if (rememberMe !== undefined && typeof rememberMe !== 'boolean') return null;
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) return null;
  const normalized = normalizeEmail(email);
  if (!fits(normalized, 254) || !fits(password, 1024)) return null;
  const dto = new LoginDto();
  dto.email = normalized;
  dto.password = password;
  if (rememberMe !== undefined) dto.rememberMe = rememberMe;
  return dto;
}
