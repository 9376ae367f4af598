import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { FakeClock } from '../../test/support/fake-clock.js';
import { resolveAccessTokenOptions } from './access-token.options.js';
import { AccessTokenService } from './access-token.service.js';

const secret = 'access-token-secret-0123456789abcdefghij';

function b64(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** Builds a JWT by hand, signed HS256 with `key`, to try what an attacker would send. */
function forge(header: object, payload: object, key: string | Buffer = secret): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

describe('AccessTokenService', () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const service = new AccessTokenService(resolveAccessTokenOptions({ secrets: [secret] }), clock);
  const subject = { userId: 'user-1', sessionHandle: 'handle-1' };

  async function parts() {
    const { token } = await service.sign(subject);
    const [h, p] = token.split('.');
    return {
      token,
      header: JSON.parse(Buffer.from(h, 'base64url').toString()),
      payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
    };
  }

  describe('sign', () => {
    it('issues an at+jwt HS256 token with kid and every required claim', async () => {
      const { header, payload } = await parts();
      expect(header).toEqual({
        alg: 'HS256',
        typ: 'at+jwt',
        kid: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      });
      expect(Object.keys(payload).sort()).toEqual([
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'sid',
        'sub',
      ]);
      expect(payload.exp - payload.iat).toBe(900);
      expect(payload).toMatchObject({
        sub: 'user-1',
        sid: 'handle-1',
        iss: 'nest-warden',
        aud: 'nest-warden',
      });
    });
  });

  describe('verify', () => {
    it('accepts its own token', async () => {
      const { token } = await parts();
      expect(await service.verify(token)).toMatchObject({ sub: 'user-1', sid: 'handle-1' });
    });

    it('accepts tokens signed with an older secret after rotation, by kid', async () => {
      const { token } = await parts();
      const rotated = new AccessTokenService(
        resolveAccessTokenOptions({ secrets: ['n'.repeat(40), secret] }),
        clock,
      );
      expect(await rotated.verify(token)).not.toBeNull();
    });

    it('rejects alg none', async () => {
      const { header, payload } = await parts();
      expect(
        await service.verify(`${b64({ ...header, alg: 'none' })}.${b64(payload)}.`),
      ).toBeNull();
    });

    it('rejects HS256 signed with the public key of an asymmetric setup', async () => {
      const { header, payload } = await parts();
      const { publicKey } = generateKeyPairSync('ed25519');
      const pem = publicKey.export({ type: 'spki', format: 'pem' });
      expect(await service.verify(forge({ ...header, alg: 'HS256' }, payload, pem))).toBeNull();
      expect(await service.verify(forge({ ...header, alg: 'EdDSA' }, payload))).toBeNull();
    });

    it('rejects a flipped payload byte', async () => {
      const { token } = await parts();
      const [h, p, s] = token.split('.');
      const flipped = p.slice(0, 10) + (p[10] === 'A' ? 'B' : 'A') + p.slice(11);
      expect(await service.verify(`${h}.${flipped}.${s}`)).toBeNull();
    });

    it('rejects a missing or past exp, and honours the leeway', async () => {
      const { header, payload } = await parts();
      const { exp: _exp, ...noExp } = payload;
      expect(await service.verify(forge(header, noExp))).toBeNull();
      expect(await service.verify(forge(header, { ...payload, exp: payload.iat - 31 }))).toBeNull();
      expect(
        await service.verify(forge(header, { ...payload, exp: payload.iat - 10 })),
      ).not.toBeNull();
    });

    it('rejects an iat in the future beyond the leeway', async () => {
      const { header, payload } = await parts();
      expect(
        await service.verify(forge(header, { ...payload, iat: payload.iat + 120 })),
      ).toBeNull();
    });

    it('rejects a wrong iss or aud', async () => {
      const { header, payload } = await parts();
      expect(await service.verify(forge(header, { ...payload, iss: 'someone-else' }))).toBeNull();
      expect(await service.verify(forge(header, { ...payload, aud: 'other-api' }))).toBeNull();
    });

    it('accepts an aud array that contains its audience (RFC 7519 4.1.3)', async () => {
      const { header, payload } = await parts();
      const aud = ['other-api', 'nest-warden'];
      expect(await service.verify(forge(header, { ...payload, aud }))).toMatchObject({ aud });
    });

    it('rejects an aud array without its audience, empty, or holding a non-string', async () => {
      const { header, payload } = await parts();
      for (const aud of [
        ['other-api'],
        [],
        ['nest-warden', 5],
        ['nest-warden', null],
        [['nest-warden']],
      ]) {
        expect(await service.verify(forge(header, { ...payload, aud }))).toBeNull();
      }
    });

    it('rejects an nbf in the future beyond the leeway, or not a number', async () => {
      const { header, payload } = await parts();
      expect(await service.verify(forge(header, { ...payload, nbf: payload.iat + 31 }))).toBeNull();
      for (const nbf of ['0', null, [0]]) {
        expect(await service.verify(forge(header, { ...payload, nbf }))).toBeNull();
      }
      expect(
        await service.verify(forge(header, { ...payload, nbf: payload.iat + 10 })),
      ).not.toBeNull();
    });

    it('rejects a signed payload that is not a JSON object', async () => {
      const { header } = await parts();
      for (const payload of ['null', '[]', '"x"', '5', 'not json']) {
        const input = `${b64(header)}.${b64(payload)}`;
        const signature = createHmac('sha256', secret).update(input).digest('base64url');
        expect(await service.verify(`${input}.${signature}`)).toBeNull();
      }
    });

    it('accepts only the canonical base64url spelling of the signature, nothing around it', async () => {
      const { token } = await parts();
      const [h, p, s] = token.split('.');
      // The last of 43 characters carries 2 spare bits: the three other spellings of the same
      // bytes are refused, as are padding, standard base64 and a truncated or longer signature.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(s[42]);
      for (let spare = 1; spare < 4; spare++) {
        const other = `${s.slice(0, 42)}${alphabet[last + spare]}`;
        expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
        expect(await service.verify(`${h}.${p}.${other}`)).toBeNull();
      }
      const standard = Buffer.from(s, 'base64url').toString('base64');
      for (const bad of [`${s}=`, standard, s.slice(0, 42), `${s}A`, `${s}.`, ` ${s}`]) {
        expect(await service.verify(`${h}.${p}.${bad}`)).toBeNull();
      }
      expect(await service.verify(`${h}.${p}.${s}`)).not.toBeNull();
      expect(await service.verify(`${h}.${p}.${s}.${s}`)).toBeNull();
    });

    it('rejects any crit header: no extension is understood (RFC 7515 4.1.11)', async () => {
      const { header, payload } = await parts();
      for (const crit of [['x-ext'], [], 'exp', null]) {
        expect(await service.verify(forge({ ...header, crit, 'x-ext': 1 }, payload))).toBeNull();
      }
    });

    it('answers null, never throws, for a header that is JSON but not an object', async () => {
      const { payload } = await parts();
      for (const header of ['null', '5', '"x"', '[]']) {
        const token = `${b64(header)}.${b64(payload)}.c2ln`;
        await expect(service.verify(token)).resolves.toBeNull();
      }
    });

    it('rejects a kid naming no key, or with path or URL characters', async () => {
      const { header, payload } = await parts();
      for (const kid of ['unknown-key', '../../etc/passwd', 'https://evil.example/jwks', '', 42]) {
        expect(await service.verify(forge({ ...header, kid }, payload))).toBeNull();
      }
      const { kid: _kid, ...noKid } = header;
      expect(await service.verify(forge(noKid, payload))).toBeNull();
    });

    it('rejects a token of another type and an opaque refresh-style token', async () => {
      const { header, payload } = await parts();
      expect(await service.verify(forge({ ...header, typ: 'JWT' }, payload))).toBeNull();
      expect(await service.verify('k2v9Qe7LrT0pWx4ZbN8sYc1MhJ6dFg3AaBbCcDdEeFf')).toBeNull();
      expect(await service.verify(undefined)).toBeNull();
    });

    it('expires on the injected clock', async () => {
      const { token } = await parts();
      clock.advanceSeconds(900 + 31);
      expect(await service.verify(token)).toBeNull();
    });
  });
});

describe('resolveAccessTokenOptions', () => {
  it('refuses short secrets, tokens that never expire and a leeway over 60 s', () => {
    expect(() => resolveAccessTokenOptions({ secrets: ['short'] })).toThrow(/32 characters/);
    expect(() => resolveAccessTokenOptions({ secrets: [secret], ttlSeconds: 0 })).toThrow(
      /always expire/,
    );
    expect(() =>
      resolveAccessTokenOptions({ secrets: [secret], clockToleranceSeconds: 61 }),
    ).toThrow(/60/);
  });
});

describe('AccessTokenService with ES256', () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const pem = () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
  const oldKey = pem();
  const newKey = pem();
  const service = new AccessTokenService(
    resolveAccessTokenOptions({ algorithm: 'ES256', privateKeys: [newKey, oldKey] }),
    clock,
  );

  it('signs ES256 with the newest key and verifies tokens of older keys by kid', async () => {
    const { token } = await service.sign({ userId: 'u', sessionHandle: 'h' });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
    });
    expect(await service.verify(token)).not.toBeNull();
    const old = new AccessTokenService(
      resolveAccessTokenOptions({ algorithm: 'ES256', privateKeys: [oldKey] }),
      clock,
    );
    expect(
      await service.verify((await old.sign({ userId: 'u', sessionHandle: 'h' })).token),
    ).not.toBeNull();
  });

  it('verifies ECDSA as r‖s only: a DER signature or a flipped byte is refused', async () => {
    const { token } = await service.sign({ userId: 'u', sessionHandle: 'h' });
    const [h, p, s] = token.split('.');
    const raw = Buffer.from(s, 'base64url');
    expect(raw).toHaveLength(64);
    const der = (n: Buffer) => {
      const int = n[0] & 0x80 ? Buffer.concat([Buffer.from([0]), n]) : n;
      return Buffer.concat([Buffer.from([0x02, int.length]), int]);
    };
    const body = Buffer.concat([der(raw.subarray(0, 32)), der(raw.subarray(32))]);
    const derSignature = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    expect(await service.verify(`${h}.${p}.${derSignature.toString('base64url')}`)).toBeNull();
    const flipped = Buffer.from(raw);
    flipped[10] ^= 1;
    expect(await service.verify(`${h}.${p}.${flipped.toString('base64url')}`)).toBeNull();
    expect(await service.verify(token)).toMatchObject({ sub: 'u', sid: 'h' });
  });

  it('publishes the public keys, never a private part, as a JWKS', () => {
    const jwks = service.jwks()!;
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    expect(
      new AccessTokenService(resolveAccessTokenOptions({ secrets: [secret] }), clock).jwks(),
    ).toBeNull();
  });

  it('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const { token } = await service.sign({ userId: 'u', sessionHandle: 'h' });
    const [h, p] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const jwk = service.jwks()!.keys[0];
    const publicPem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    expect(
      await service.verify(forge({ ...header, alg: 'HS256' }, payload, publicPem as string)),
    ).toBeNull();
    expect(await service.verify(`${b64({ ...header, alg: 'none' })}.${p}.`)).toBeNull();
  });

  it('refuses a key of the wrong type at boot', () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    expect(
      () =>
        new AccessTokenService(
          resolveAccessTokenOptions({ algorithm: 'ES256', privateKeys: [ed] }),
          clock,
        ),
    ).toThrow(/P-256/);
  });
});
