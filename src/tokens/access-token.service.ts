import { JwtService } from '@nestjs/jwt';
import type { JsonWebKey as NodeJsonWebKey, KeyObject } from 'node:crypto';
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
  verify as verifySignature,
} from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { ResolvedAccessTokenOptions } from './access-token.options.js';

/** The claims of a verified access token. */
export interface AccessTokenClaims {
  /** User id. */
  sub: string;
  /** Public handle of the server session the token is bound to. */
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  /** Our audience, alone or among others (RFC 7519 §4.1.3). */
  aud: string | string[];
}

interface Key {
  kid: string;
  /** Signs (secret or private key). */
  signing: KeyObject;
  /** Verifies (secret or public key). */
  verifying: KeyObject;
}

/** A public key as published at `/.well-known/jwks.json`. */
export interface PublicJwk extends NodeJsonWebKey {
  kid: string;
  alg: string;
  use: 'sig';
}

const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Three base64url parts (a JWS in compact serialisation with a signature). */
const JWS_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/**
 * The signature part, in the one base64url spelling of its bytes (the spare bits of the last
 * character zero, as every encoder writes it): 32 bytes for HS256 (43 characters, 2 spare bits),
 * 64 for ES256 (r and s, 86 characters, 4 spare bits).
 */
const SIGNATURE_PATTERN = {
  HS256: /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/,
  ES256: /^[A-Za-z0-9_-]{85}[AQgw]$/,
} as const;

/**
 * Access tokens: JWTs, HS256 (the secret as a `KeyObject`) or ES256, header `typ: at+jwt` and a
 * `kid` per secret, claims `iss aud sub exp iat jti sid`. Signed through `@nestjs/jwt`; verified
 * here with `node:crypto` directly (jsonwebtoken's generic path, which decodes the token twice and
 * takes options for every algorithm, cost most of a bearer request's time of its own).
 * Verification pins the algorithm, the type and the key by `kid`, checks the signature (HMAC
 * compared in constant time, or ECDSA P-256 over r‖s) before reading any claim, then requires
 * `exp` (and `nbf`, when present) against the clock with the leeway, the issuer and the
 * audience, and refuses an `iat` in the future beyond the leeway. A `crit` header is refused (no
 * extension is understood, RFC 7515 §4.1.11); `aud` is our audience or an array of strings
 * holding it (RFC 7519 §4.1.3). Bad tokens give `null`, never an exception.
 */
export class AccessTokenService {
  private readonly jwt = new JwtService({});
  private readonly keys: Key[];

  constructor(
    readonly options: ResolvedAccessTokenOptions,
    private readonly clock: Clock,
  ) {
    this.keys =
      options.algorithm === 'ES256'
        ? options.privateKeys.map((pem, index) => {
            const signing = parsePrivateKey(pem);
            if (
              signing?.asymmetricKeyType !== 'ec' ||
              signing.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
            ) {
              throw new Error(
                `AuthModule option tokens.privateKeys[${index}] is not a P-256 (prime256v1) EC private key in PEM: generate one with \`openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt\``,
              );
            }
            const verifying = createPublicKey(signing);
            const jwk = verifying.export({ format: 'jwk' });
            const kid = createHash('sha256')
              .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
              .digest('base64url')
              .slice(0, 16);
            return { kid, signing, verifying };
          })
        : options.secrets.map((secret) => {
            const key = createSecretKey(Buffer.from(secret));
            const kid = createHash('sha256')
              .update(`nest-warden kid ${secret}`)
              .digest('base64url')
              .slice(0, 16);
            return { kid, signing: key, verifying: key };
          });
  }

  /** Signs an access token for a user's session. */
  async sign(subject: {
    userId: string;
    sessionHandle: string;
  }): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(this.clock.now() / 1000);
    const { kid, signing } = this.keys[0];
    const alg = this.options.algorithm;
    const token = await this.jwt.signAsync(
      {
        sub: subject.userId,
        sid: subject.sessionHandle,
        jti: randomBytes(16).toString('base64url'),
        iat: now,
        exp: now + this.options.ttlSeconds,
        iss: this.options.issuer,
        aud: this.options.audience,
      },
      {
        privateKey: signing,
        algorithm: alg,
        header: { alg, typ: 'at+jwt', kid },
      },
    );
    return { token, expiresIn: this.options.ttlSeconds };
  }

  /** The public keys to publish at `/.well-known/jwks.json`; null for HS256 (nothing public). */
  jwks(): { keys: PublicJwk[] } | null {
    if (this.options.algorithm === 'HS256') return null;
    return {
      keys: this.keys.map(({ kid, verifying }) => ({
        ...verifying.export({ format: 'jwk' }),
        kid,
        alg: this.options.algorithm,
        use: 'sig' as const,
      })),
    };
  }

  /** The claims of a valid token, or null. */
  async verify(token: string | undefined): Promise<AccessTokenClaims | null> {
    return this.verifyNow(token);
  }

  /** {@link verify}, without the promise: the claims of a valid token, or null. */
  verifyNow(token: string | undefined): AccessTokenClaims | null {
    if (!token || token.length > 4096 || !JWS_PATTERN.test(token)) return null;
    const headerEnd = token.indexOf('.');
    const payloadEnd = token.indexOf('.', headerEnd + 1);
    const header = parseJsonObject(token.slice(0, headerEnd));
    if (!header) return null;
    if ('crit' in header) return null;
    const alg = this.options.algorithm;
    if (header.alg !== alg || header.typ !== 'at+jwt') return null;
    if (typeof header.kid !== 'string' || !KID_PATTERN.test(header.kid)) return null;
    const key = this.keys.find((k) => k.kid === header.kid);
    if (!key) return null;
    // The signature before anything of the payload is read.
    const signature = token.slice(payloadEnd + 1);
    if (!SIGNATURE_PATTERN[alg].test(signature)) return null;
    const signingInput = token.slice(0, payloadEnd);
    const given = Buffer.from(signature, 'base64url');
    if (!this.signatureMatches(key.verifying, signingInput, given)) return null;
    const claims = parseJsonObject(token.slice(headerEnd + 1, payloadEnd));
    if (!claims) return null;
    const now = Math.floor(this.clock.now() / 1000);
    const leeway = this.options.clockToleranceSeconds;
    const { sub, sid, jti, iat, exp, nbf, iss, aud } = claims;
    if (typeof exp !== 'number' || now >= exp + leeway) return null;
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + leeway)) return null;
    if (iss !== this.options.issuer || !this.audienceMatches(aud)) return null;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return null;
    if (typeof iat !== 'number' || iat > now + leeway) return null;
    return claims as unknown as AccessTokenClaims;
  }

  /** HS256: the HMAC, compared in constant time; ES256: ECDSA P-256 with r‖s (64 bytes). */
  private signatureMatches(key: KeyObject, signingInput: string, given: Buffer): boolean {
    if (this.options.algorithm === 'HS256') {
      return timingSafeEqual(given, createHmac('sha256', key).update(signingInput).digest());
    }
    try {
      return verifySignature(
        'sha256',
        Buffer.from(signingInput),
        { key, dsaEncoding: 'ieee-p1363' },
        given,
      );
    } catch {
      return false;
    }
  }

  /** `aud` is our audience, or a non-empty array of strings that holds it. */
  private audienceMatches(aud: unknown): boolean {
    if (typeof aud === 'string') return aud === this.options.audience;
    return (
      Array.isArray(aud) &&
      aud.every((entry) => typeof entry === 'string') &&
      aud.includes(this.options.audience)
    );
  }
}

/** A base64url part holding a JSON object, parsed; null for anything else. */
function parseJsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The private key in `pem`, or null when it is not a readable private key. */
function parsePrivateKey(pem: string): KeyObject | null {
  try {
    return createPrivateKey(pem);
  } catch {
    return null;
  }
}
