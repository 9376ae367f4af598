import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import { resolvePasswordOptions } from '../passwords/password.options.js';
import { PasswordService } from '../passwords/password.service.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { MemoryAttemptStore } from '../security/memory-attempt.store.js';
import { SecurityEvents } from '../core/security-events.js';
import { systemClock } from '../core/clock.js';
import { MemorySessionStore } from '../session/memory-session.store.js';
import { resolveSessionOptions } from '../session/session.options.js';
import { SessionService } from '../session/session.service.js';
import { MemoryUserRepository } from '../users/memory-user.repository.js';
import { UsersService } from '../users/users.service.js';
import { PasswordChangeService } from './password-change.service.js';

/** A user store whose password writes fail, as a database that went down mid-change. */
class FailingWritesRepository extends MemoryUserRepository {
  failWrites = false;
  /** Reads fail once a password has been written (the read-back after the change). */
  failReadsAfterWrite = false;
  private wrote = false;
  override findById(id: string) {
    if (this.failReadsAfterWrite && this.wrote)
      return Promise.reject(new WardenUnavailableException('Database unavailable'));
    return super.findById(id);
  }
  override replacePasswordHash(
    ...args: Parameters<MemoryUserRepository['replacePasswordHash']>
  ): Promise<boolean> {
    if (this.failWrites)
      return Promise.reject(new WardenUnavailableException('Database unavailable'));
    this.wrote = true;
    return super.replacePasswordHash(...args);
  }
}

function setup() {
  const repository = new FailingWritesRepository();
  const users = new UsersService(repository, new PasswordService(resolvePasswordOptions({})));
  const sessions = new SessionService(
    new MemorySessionStore(),
    resolveSessionOptions({ secrets: ['password-change-secret-0123456789abcdef'] }),
    systemClock,
  );
  const events = new SecurityEvents();
  const service = new PasswordChangeService(
    users,
    sessions,
    new LoginThrottle(new MemoryAttemptStore(), {}, systemClock, events),
    events,
  );
  return { repository, users, sessions, service };
}

describe('PasswordChangeService', () => {
  describe('change', () => {
    it('completes a change whose write landed even if reading the user back fails', async () => {
      const { repository, users, sessions, service } = setup();
      const user = await users.register({
        email: 'read-back@example.com',
        password: 'correct horse battery',
      });
      const { token, session } = await sessions.create(user);
      repository.failReadsAfterWrite = true;
      const rotated = await service.change(
        { ...user, isActive: true },
        session,
        { currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase' },
        '198.51.100.1',
      );
      expect(rotated).toEqual(expect.any(String));
      expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'unknown' });
      expect(await sessions.validate(rotated!, user.authVersion + 1)).toMatchObject({ ok: true });
    });

    it('leaves the old session working when the database fails after the rotation', async () => {
      const { repository, users, sessions, service } = setup();
      const user = await users.register({
        email: 'db-down@example.com',
        password: 'correct horse battery',
      });
      const { token, session } = await sessions.create(user);
      repository.failWrites = true;
      await expect(
        service.change(
          { ...user, isActive: true },
          session,
          { currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase' },
          '198.51.100.1',
        ),
      ).rejects.toBeInstanceOf(WardenUnavailableException);
      const again = await sessions.validate(token, user.authVersion);
      expect(again).toMatchObject({ ok: true, session: { handle: session.handle } });
      expect((await users.verifyCredentials(user.email, 'correct horse battery'))?.id).toBe(
        user.id,
      );
    });
  });
});
