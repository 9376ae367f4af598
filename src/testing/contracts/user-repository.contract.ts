import { randomUUID } from 'node:crypto';
import { EmailTakenException } from '../../errors/warden.exceptions.js';
import { emailSkeleton } from '../../users/email.js';
import type { NewUserRecord } from '../../users/user.record.js';
import type { UserRepository } from '../../users/user.repository.js';

/** How a contract run gets a fresh, empty repository, and gives it back. */
export interface UserRepositoryHarness {
  create: () => Promise<UserRepository>;
  destroy: () => Promise<void>;
}

function newUser(overrides: Partial<NewUserRecord> = {}): NewUserRecord {
  const id = randomUUID();
  const email = overrides.email ?? `${id.slice(0, 8)}@example.com`;
  return {
    id,
    email,
    emailSkeleton: emailSkeleton(email),
    displayName: 'Someone',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA',
    roles: ['user'],
    ...overrides,
  };
}

/** The behaviour every `UserRepository` adapter must have. */
export function describeUserRepositoryContract(name: string, harness: () => UserRepositoryHarness) {
  describe(`UserRepository contract: ${name}`, () => {
    let h: UserRepositoryHarness;
    let users: UserRepository;

    beforeAll(() => {
      h = harness();
    });
    beforeEach(async () => {
      users = await h.create();
    });
    afterEach(async () => {
      await h.destroy();
    });

    describe('create', () => {
      it('stores a user with defaults and returns it', async () => {
        const input = newUser({ roles: ['user', 'admin'] });
        const created = await users.create(input);
        expect(created).toMatchObject({
          ...input,
          emailVerified: false,
          mfaEnabled: false,
          isActive: true,
          authVersion: 1,
          lastLoginAt: null,
        });
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(await users.findById(input.id)).toEqual(created);
      });

      it('refuses a second user with the same email (409)', async () => {
        await users.create(newUser({ email: 'dup@example.com' }));
        await expect(users.create(newUser({ email: 'dup@example.com' }))).rejects.toBeInstanceOf(
          EmailTakenException,
        );
        expect(await users.list({ limit: 10, offset: 0 })).toHaveLength(1);
      });

      it('refuses a second user whose email has the same skeleton (409), atomically', async () => {
        await users.create(newUser({ email: 'alice@example.com' }));
        const lookalike = '\u0430lice@example.com';
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, () =>
            users.create(newUser({ email: lookalike, emailSkeleton: emailSkeleton(lookalike) })),
          ),
        );
        expect(results.every((r) => r.status === 'rejected')).toBe(true);
        for (const r of results) {
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(EmailTakenException);
        }
        expect(await users.list({ limit: 10, offset: 0 })).toHaveLength(1);
      });

      it('lets exactly one of many parallel creates with one email win', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, () => users.create(newUser({ email: 'race@example.com' }))),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r) => r.status === 'rejected')) {
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(EmailTakenException);
        }
      });
    });

    describe('findByEmail / findById', () => {
      it('returns null for an empty or missing key, never the first row', async () => {
        await users.create(newUser());
        expect(await users.findByEmail('')).toBeNull();
        expect(await users.findById('')).toBeNull();
        expect(await users.findByEmail(undefined as unknown as string)).toBeNull();
        expect(await users.findById(undefined as unknown as string)).toBeNull();
        expect(await users.findByEmail('nobody@example.com')).toBeNull();
        expect(await users.findById(randomUUID())).toBeNull();
      });

      it('answers an id that is not a UUID as unknown (null), never as an outage', async () => {
        await users.create(newUser());
        for (const id of ['not-a-uuid', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g']) {
          expect(await users.findById(id)).toBeNull();
          expect(await users.update(id, { displayName: 'x' })).toBeNull();
          expect(await users.replacePasswordHash(id, 'a', 'b')).toBe(false);
        }
      });

      it('finds by the exact stored skeleton; an empty one finds nothing', async () => {
        const created = await users.create(newUser({ email: 'sk@example.com' }));
        expect((await users.findByEmailSkeleton(emailSkeleton('sk@example.com')))?.id).toBe(
          created.id,
        );
        expect(created.emailSkeleton).toBe(emailSkeleton('sk@example.com'));
        expect(await users.findByEmailSkeleton('')).toBeNull();
        expect(await users.findByEmailSkeleton(emailSkeleton('other@example.com'))).toBeNull();
      });

      it('finds by the exact stored email', async () => {
        const created = await users.create(newUser({ email: 'exact@example.com' }));
        expect((await users.findByEmail('exact@example.com'))?.id).toBe(created.id);
      });
    });

    describe('update', () => {
      it('patches fields and bumps authVersion on request', async () => {
        const { id } = await users.create(newUser());
        const at = new Date('2026-01-02T03:04:05.000Z');
        const updated = await users.update(id, {
          roles: ['admin'],
          isActive: false,
          lastLoginAt: at,
          bumpAuthVersion: true,
        });
        expect(updated).toMatchObject({ roles: ['admin'], isActive: false, authVersion: 2 });
        expect(updated?.lastLoginAt?.getTime()).toBe(at.getTime());
        expect((await users.update(id, { displayName: 'New' }))?.authVersion).toBe(2);
      });

      it('turns mfaEnabled on and off, read back as a boolean', async () => {
        const { id } = await users.create(newUser());
        expect((await users.update(id, { mfaEnabled: true }))?.mfaEnabled).toBe(true);
        expect((await users.findById(id))?.mfaEnabled).toBe(true);
        expect((await users.update(id, { mfaEnabled: false }))?.mfaEnabled).toBe(false);
        expect((await users.findById(id))?.mfaEnabled).toBe(false);
      });

      it('returns null for an unknown user', async () => {
        expect(await users.update(randomUUID(), { displayName: 'x' })).toBeNull();
      });
    });

    describe('recordLogin', () => {
      it('sets lastLoginAt and nothing else', async () => {
        const { id } = await users.create(newUser());
        const before = await users.findById(id);
        const at = new Date('2026-03-04T05:06:07.000Z');
        await users.recordLogin(id, at);
        const after = await users.findById(id);
        expect(after?.lastLoginAt?.getTime()).toBe(at.getTime());
        expect({ ...after, lastLoginAt: null, updatedAt: null }).toEqual({
          ...before,
          lastLoginAt: null,
          updatedAt: null,
        });
      });

      it('does nothing for an unknown or empty id', async () => {
        await expect(users.recordLogin(randomUUID(), new Date())).resolves.toBeUndefined();
        await expect(users.recordLogin('', new Date())).resolves.toBeUndefined();
      });
    });

    describe('recordLogins', () => {
      it("sets each user's lastLoginAt, to the millisecond, and nothing else", async () => {
        const a = await users.create(newUser());
        const b = await users.create(newUser());
        const untouched = await users.create(newUser());
        const before = await users.findById(a.id);
        const atA = new Date('2026-03-04T05:06:07.891Z');
        const atB = new Date('2027-01-02T03:04:05.006Z');
        await users.recordLogins([
          { id: a.id, at: atA },
          { id: b.id, at: atB },
        ]);
        const after = await users.findById(a.id);
        expect(after?.lastLoginAt?.getTime()).toBe(atA.getTime());
        expect((await users.findById(b.id))?.lastLoginAt?.getTime()).toBe(atB.getTime());
        expect((await users.findById(untouched.id))?.lastLoginAt).toBeNull();
        expect({ ...after, lastLoginAt: null, updatedAt: null }).toEqual({
          ...before,
          lastLoginAt: null,
          updatedAt: null,
        });
      });

      it('skips unknown and empty ids, and an empty list', async () => {
        const a = await users.create(newUser());
        const at = new Date('2026-05-06T07:08:09.000Z');
        await users.recordLogins([]);
        await users.recordLogins([
          { id: randomUUID(), at },
          { id: '', at },
          { id: 'not-a-uuid', at },
          { id: a.id, at },
        ]);
        expect((await users.findById(a.id))?.lastLoginAt?.getTime()).toBe(at.getTime());
      });
    });

    describe('replacePasswordHash', () => {
      it('writes only while the stored hash is the expected one (compare-and-set)', async () => {
        const user = await users.create(newUser());
        expect(await users.replacePasswordHash(user.id, 'stale', 'new-1')).toBe(false);
        expect(await users.replacePasswordHash(user.id, user.passwordHash, 'new-1')).toBe(true);
        expect(await users.replacePasswordHash(user.id, user.passwordHash, 'new-2')).toBe(false);
        const stored = await users.findById(user.id);
        expect(stored).toMatchObject({ passwordHash: 'new-1', authVersion: 1 });
      });

      it('bumps authVersion when asked', async () => {
        const user = await users.create(newUser());
        await users.replacePasswordHash(user.id, user.passwordHash, 'x', { bumpAuthVersion: true });
        expect((await users.findById(user.id))?.authVersion).toBe(2);
      });
    });

    describe('list', () => {
      it('pages through users', async () => {
        for (let i = 0; i < 3; i++) await users.create(newUser());
        expect(await users.list({ limit: 2, offset: 0 })).toHaveLength(2);
        expect(await users.list({ limit: 2, offset: 2 })).toHaveLength(1);
      });

      it('finds users by a literal email prefix, ordered by email', async () => {
        for (const email of [
          'zed@search.test',
          'ann@search.test',
          'a%b@search.test',
          'anna@x.test',
        ]) {
          await users.create(newUser({ email }));
        }
        const emails = async (emailPrefix: string) =>
          (await users.list({ limit: 10, offset: 0, emailPrefix })).map((u) => u.email);
        expect(await emails('an')).toEqual(['ann@search.test', 'anna@x.test']);
        expect(await emails('a%')).toEqual(['a%b@search.test']);
        expect(await emails('a_')).toEqual([]);
        expect(await emails('ann@search.test')).toEqual(['ann@search.test']);
        expect(await emails('q')).toEqual([]);
        expect((await users.list({ limit: 1, offset: 1, emailPrefix: 'an' }))[0]?.email).toBe(
          'anna@x.test',
        );
      });
    });
  });
}
