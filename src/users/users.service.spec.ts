import { jest } from '@jest/globals';
import { EmailTakenException, PasswordPolicyException } from '../errors/warden.exceptions.js';
import { resolvePasswordOptions } from '../passwords/password.options.js';
import { PasswordService } from '../passwords/password.service.js';
import { MemoryUserRepository } from './memory-user.repository.js';
import { UsersService } from './users.service.js';

function setup(passwordOverrides = {}) {
  const repository = new MemoryUserRepository();
  const passwords = new PasswordService(resolvePasswordOptions(passwordOverrides));
  return { repository, passwords, users: new UsersService(repository, passwords) };
}

describe('UsersService', () => {
  describe('register', () => {
    it('normalises the email and stores an Argon2id hash, never the password', async () => {
      const { users, repository } = setup();
      const user = await users.register({
        email: '  Alice@Ｅxample.COM ',
        password: 'correct horse battery',
      });
      expect(user.email).toBe('alice@example.com');
      expect(user.displayName).toBe('alice');
      expect(user.roles).toEqual(['user']);
      const stored = await repository.findByEmail('alice@example.com');
      expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(stored)).not.toContain('correct horse battery');
    });

    it('refuses a duplicate email in any case or spacing with 409', async () => {
      const { users } = setup();
      await users.register({ email: 'bob@example.com', password: 'correct horse battery' });
      await expect(
        users.register({ email: ' BOB@example.com', password: 'another good passphrase' }),
      ).rejects.toBeInstanceOf(EmailTakenException);
    });

    it('checks the policy before any hashing', async () => {
      const { users, passwords } = setup();
      const hash = jest.spyOn(passwords, 'hash');
      await expect(
        users.register({ email: 'c@example.com', password: 'short' }),
      ).rejects.toBeInstanceOf(PasswordPolicyException);
      expect(hash).not.toHaveBeenCalled();
    });
  });

  describe('verifyCredentials', () => {
    it('returns the user for the right password, null otherwise', async () => {
      const { users } = setup();
      await users.register({ email: 'dan@example.com', password: 'correct horse battery' });
      expect(
        (await users.verifyCredentials('DAN@example.com', 'correct horse battery'))?.email,
      ).toBe('dan@example.com');
      expect(await users.verifyCredentials('dan@example.com', 'wrong horse battery')).toBeNull();
    });

    it('spends a dummy verification on an unknown email', async () => {
      const { users, passwords } = setup();
      const dummy = jest.spyOn(passwords, 'verifyDummy');
      expect(await users.verifyCredentials('nobody@example.com', 'whatever it is')).toBeNull();
      expect(dummy).toHaveBeenCalledTimes(1);
    });

    it('refuses a deactivated user even with the right password', async () => {
      const { users } = setup();
      const user = await users.register({
        email: 'eve@example.com',
        password: 'correct horse battery',
      });
      await users.deactivate(user.id);
      expect(await users.verifyCredentials('eve@example.com', 'correct horse battery')).toBeNull();
    });

    it('rehashes an outdated hash on a successful login', async () => {
      const weak = setup();
      const user = await weak.users.register({
        email: 'f@example.com',
        password: 'correct horse battery',
      });
      const oldHash = (await weak.repository.findById(user.id))!.passwordHash;
      const strong = new UsersService(
        weak.repository,
        new PasswordService(resolvePasswordOptions({ memoryCostKib: 24576 })),
      );
      await strong.verifyCredentials('f@example.com', 'correct horse battery');
      const newHash = (await weak.repository.findById(user.id))!.passwordHash;
      expect(newHash).not.toBe(oldHash);
      expect(newHash).toMatch(/m=24576/);
    });

    it('never lets a rehash overwrite a concurrent password change', async () => {
      const weak = setup();
      const user = await weak.users.register({
        email: 'g@example.com',
        password: 'correct horse battery',
      });
      const strongPasswords = new PasswordService(resolvePasswordOptions({ memoryCostKib: 24576 }));
      const strong = new UsersService(weak.repository, strongPasswords);
      // The password changes while the login's rehash is being computed.
      const realHash = strongPasswords.hash.bind(strongPasswords);
      jest.spyOn(strongPasswords, 'hash').mockImplementationOnce(async (password) => {
        await weak.users.changePassword(user.id, 'correct horse battery', 'brand new passphrase');
        return realHash(password);
      });
      await strong.verifyCredentials('g@example.com', 'correct horse battery');
      expect(
        await weak.users.verifyCredentials('g@example.com', 'brand new passphrase'),
      ).not.toBeNull();
      expect(
        await weak.users.verifyCredentials('g@example.com', 'correct horse battery'),
      ).toBeNull();
    });
  });

  describe('changePassword', () => {
    it('needs the current password and bumps authVersion', async () => {
      const { users } = setup();
      const user = await users.register({
        email: 'h@example.com',
        password: 'correct horse battery',
      });
      expect(
        await users.changePassword(user.id, 'wrong password here', 'brand new passphrase'),
      ).toBeNull();
      const changed = await users.changePassword(
        user.id,
        'correct horse battery',
        'brand new passphrase',
      );
      expect(changed?.authVersion).toBe(user.authVersion + 1);
      expect(await users.verifyCredentials('h@example.com', 'brand new passphrase')).not.toBeNull();
    });

    it('applies the policy to the new password', async () => {
      const { users } = setup();
      const user = await users.register({
        email: 'i@example.com',
        password: 'correct horse battery',
      });
      await expect(
        users.changePassword(user.id, 'correct horse battery', 'password'),
      ).rejects.toBeInstanceOf(PasswordPolicyException);
    });
  });

  describe('setRoles / deactivate', () => {
    it('bump authVersion', async () => {
      const { users } = setup();
      const user = await users.register({
        email: 'j@example.com',
        password: 'correct horse battery',
      });
      expect(await users.setRoles(user.id, ['admin', 'admin', 'user'])).toMatchObject({
        roles: ['admin', 'user'],
        authVersion: 2,
      });
      expect(await users.deactivate(user.id)).toMatchObject({ isActive: false, authVersion: 3 });
    });
  });

  describe('findByEmail', () => {
    it('returns null for an empty email', async () => {
      const { users } = setup();
      await users.register({ email: 'k@example.com', password: 'correct horse battery' });
      expect(await users.findByEmail('')).toBeNull();
      expect(await users.findByEmail('   ')).toBeNull();
    });
  });
});
