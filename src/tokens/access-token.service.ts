import { JwtService } from '@nestjs/jwt';
import type { JsonWebKey as NodeJsonWebKey, KeyObject } from 'node:crypto';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  randomBytes,
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

/**
 * Access tokens: JWTs through `@nestjs/jwt`, HS256 (the secret as a `KeyObject`, which
 * jsonwebtoken does not re-derive on every call) or ES256, header
 * `typ: at+jwt` and a `kid` per secret, claims `iss aud sub exp iat jti sid`. Verification pins
 * the algorithm, the type, the key by `kid`, issuer and audience, requires `exp`, and refuses an
 * `iat` in the future beyond the leeway. A `crit` header is refused (no extension is
 * understood, RFC 7515 §4.1.11); `aud` is our audience or an array of strings holding it
 * (RFC 7519 §4.1.3). Bad tokens give `null`, never an exception.
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
    if (!token || token.length > 4096) return null;
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    let header: { alg?: unknown; typ?: unknown; kid?: unknown; crit?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
    } catch {
      return null;
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
    if ('crit' in header) return null;
    if (header.alg !== this.options.algorithm || header.typ !== 'at+jwt') return null;
    if (typeof header.kid !== 'string' || !KID_PATTERN.test(header.kid)) return null;
    const key = this.keys.find((k) => k.kid === header.kid);
    if (!key) return null;
    const now = Math.floor(this.clock.now() / 1000);
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<Partial<AccessTokenClaims> & object>(token, {
        publicKey: key.verifying as unknown as Buffer,
        algorithms: [this.options.algorithm],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds,
        clockTimestamp: now,
      });
    } catch {
      return null;
    }
    const { sub, sid, jti, iat, exp, aud } = claims;
    if (!this.audienceMatches(aud)) return null;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return null;
    if (typeof exp !== 'number' || typeof iat !== 'number') return null;
    if (iat > now + this.options.clockToleranceSeconds) return null;
    return claims as AccessTokenClaims;
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

/** The private key in `pem`, or null when it is not a readable private key. */
function parsePrivateKey(pem: string): KeyObject | null {
  try {
    return createPrivateKey(pem);
  } catch {
    return null;
  }
}
