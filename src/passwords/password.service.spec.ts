import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import { resolvePasswordOptions } from './password.options.js';
import { PasswordService } from './password.service.js';

const service = (overrides = {}) => new PasswordService(resolvePasswordOptions(overrides));

describe('PasswordService', () => {
  describe('hash', () => {
    it('produces an Argon2id PHC string with the configured cost and a 16-byte salt', async () => {
      const hash = await service().hash('correct horse battery');
      expect(hash).toMatch(
        /^\$argon2id\$v=19\$m=19456,p=1,t=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]+$/,
      );
    });

    it('salts: the same password never gives the same hash', async () => {
      const passwords = service();
      expect(await passwords.hash('same password')).not.toBe(await passwords.hash('same password'));
    });
  });

  describe('verify', () => {
    it('accepts the password, rejects another, and treats NFKC forms as one', async () => {
      const passwords = service();
      const hash = await passwords.hash('caf\u00e9 au lait 123');
      expect(await passwords.verify(hash, 'caf\u0065\u0301 au lait 123')).toEqual({
        valid: true,
        needsRehash: false,
      });
      expect((await passwords.verify(hash, 'cafe au lait 123')).valid).toBe(false);
    });

    it('says a hash made with other parameters needs a rehash', async () => {
      const old = await service().hash('correct horse battery');
      const stronger = service({ memoryCostKib: 24576, timeCost: 3 });
      expect(await stronger.verify(old, 'correct horse battery')).toEqual({
        valid: true,
        needsRehash: true,
      });
    });

    it('treats a malformed stored hash as a mismatch, not a crash', async () => {
      expect(await service().verify('not-a-hash', 'whatever')).toEqual({
        valid: false,
        needsRehash: false,
      });
    });
  });

  describe('verifyDummy', () => {
    it('always resolves false', async () => {
      await expect(service().verifyDummy('anything at all')).resolves.toBe(false);
    });
  });

  describe('bulkhead', () => {
    it('fails fast with a 503 HASHING_BUSY and Retry-After when the queue is full', async () => {
      const passwords = service({ maxConcurrent: 1, maxQueued: 1 });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => passwords.hash('correct horse battery')),
      );
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(rejected).toHaveLength(3);
      const error = (rejected[0] as PromiseRejectedResult).reason as WardenUnavailableException;
      expect(error).toBeInstanceOf(WardenUnavailableException);
      expect(error.getStatus()).toBe(503);
      expect(error.getResponse()).toMatchObject({ code: 'HASHING_BUSY' });
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
    });
  });
});

describe('resolvePasswordOptions', () => {
  it('applies the OWASP-floor defaults', () => {
    expect(resolvePasswordOptions()).toMatchObject({
      memoryCostKib: 19456,
      timeCost: 2,
      parallelism: 1,
      minLength: 8,
      maxLength: 256,
    });
  });

  it('leaves threadpool room: at most UV_THREADPOOL_SIZE - 2 hashes at once', () => {
    expect(resolvePasswordOptions().maxConcurrent).toBeLessThanOrEqual(
      Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2),
    );
  });

  it.each([{ memoryCostKib: 19455 }, { timeCost: 1 }, { parallelism: 0 }])(
    'refuses parameters below the OWASP floor: %o',
    (weak) => {
      expect(() => resolvePasswordOptions(weak)).toThrow(/below the OWASP floor/);
    },
  );
});
