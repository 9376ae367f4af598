import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** TOTP as authenticator apps expect it (RFC 6238): HMAC-SHA-1, 6 digits, 30-second steps. */
const TOTP_ALGORITHM = 'SHA1';
const TOTP_DIGITS = 6;
const TOTP_PERIOD_SECONDS = 30;
/** Widest window `matchTotp` takes (steps either side): more only helps a guesser. */
const MAX_WINDOW_STEPS = 10;

/** A new TOTP secret: 20 random bytes (160 bits, as RFC 4226 recommends), base32 without padding. */
export function generateTotpSecret(): string {
  const bytes = randomBytes(20);
  return new Secret({ buffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 20) }).base32;
}

/**
 * The `otpauth://totp/<issuer>:<account>?issuer=…&secret=…&algorithm=SHA1&digits=6&period=30` URI
 * of the secret (Google Authenticator key URI format; label and issuer percent-encoded). Throws
 * when `secret` is not base32.
 */
export function totpUri(options: { secret: string; issuer: string; account: string }): string {
  return new TOTP({
    issuer: options.issuer,
    label: options.account,
    secret: Secret.fromBase32(options.secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/**
 * The absolute 30-second time step (`floor(unix ms / 30000)`) whose code `code` is, looking
 * `window` steps either side of the step of `now` (ms since the epoch); null when none matches.
 * The step is what a replay check claims: a code is accepted once per user and step.
 *
 * `code` must be exactly 6 ASCII digits once spaces are dropped (apps show `123 456`); anything
 * else, a secret that is not base32 (or is empty) or a `now` that is not a finite number gives
 * null: this never throws on bad input. Comparison is constant-time (otpauth).
 *
 * @param window steps accepted either side of now (clock drift), an integer 0..10. @default 1
 */
export function matchTotp(secret: string, code: string, now: number, window = 1): number | null {
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW_STEPS) {
    throw new RangeError(
      `matchTotp window must be an integer 0..${MAX_WINDOW_STEPS}, got ${window}`,
    );
  }
  if (typeof code !== 'string' || typeof secret !== 'string' || !Number.isFinite(now)) return null;
  const token = code.trim().replace(/ /g, '');
  if (!/^[0-9]{6}$/.test(token)) return null;
  const key = readSecret(secret);
  if (!key) return null;
  const delta = TOTP.validate({ ...totpConfig(key), token, timestamp: now, window });
  return delta === null ? null : stepOf(now) + delta;
}

/** The 6-digit code of `secret` at `now` (ms since the epoch): for tests and tools. */
export function totpCode(secret: string, now: number): string {
  return TOTP.generate({ ...totpConfig(Secret.fromBase32(secret)), timestamp: now });
}

/** An SVG QR code (a `<svg …>` string) of `uri`, for the setup response. */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The 30-second step of `now` (ms since the epoch). */
function stepOf(now: number): number {
  return Math.floor(now / (TOTP_PERIOD_SECONDS * 1000));
}

function totpConfig(secret: Secret) {
  return { secret, algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS };
}

/** The secret's bytes, or null when it is not base32 or decodes to nothing. */
function readSecret(secret: string): Secret | null {
  try {
    const key = Secret.fromBase32(secret);
    return key.buffer.byteLength > 0 ? key : null;
  } catch {
    return null;
  }
}
