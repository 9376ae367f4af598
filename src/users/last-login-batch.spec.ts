import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAST_LOGIN_BATCH_SIZE, LastLoginBatch } from './last-login-batch.js';
import { MemoryUserRepository } from './memory-user.repository.js';
import { resolvePasswordOptions } from '../passwords/password.options.js';
import { PasswordService } from '../passwords/password.service.js';
import { UsersService } from './users.service.js';

async function withUsers(count: number) {
  const repository = new MemoryUserRepository();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    await repository.create({
      id,
      email: `u${i}@example.com`,
      emailSkeleton: `u${i}@example.com`,
      displayName: 'u',
      passwordHash: 'x',
      roles: ['user'],
    });
    ids.push(id);
  }
  const calls: number[] = [];
  const recordLogins = repository.recordLogins.bind(repository);
  repository.recordLogins = (logins) => {
    calls.push(logins.length);
    return recordLogins(logins);
  };
  const lastLogin = async (id: string) => (await repository.findById(id))?.lastLoginAt ?? null;
  return { repository, ids, calls, lastLogin };
}

describe('LastLoginBatch', () => {
  it('writes the logins of an interval together, the latest time of each user', async () => {
    const { repository, ids, calls, lastLogin } = await withUsers(3);
    const batch = new LastLoginBatch(repository, 30);
    batch.add(ids[0], new Date(1000));
    batch.add(ids[1], new Date(2000));
    batch.add(ids[0], new Date(3000));
    batch.add(ids[0], new Date(1500)); // older than what waits: ignored
    expect(await lastLogin(ids[0])).toBeNull();
    await sleep(80);
    expect(calls).toEqual([2]);
    expect((await lastLogin(ids[0]))?.getTime()).toBe(3000);
    expect((await lastLogin(ids[1]))?.getTime()).toBe(2000);
    expect(await lastLogin(ids[2])).toBeNull();
    expect(batch.size).toBe(0);
  });

  it('starts writing once a full batch waits, without waiting for the interval', async () => {
    const { repository, ids, calls } = await withUsers(LAST_LOGIN_BATCH_SIZE + 3);
    const batch = new LastLoginBatch(repository, 60_000);
    for (const id of ids) batch.add(id, new Date(5000));
    await sleep(10);
    // The full batch, then what arrived while it was written.
    expect(calls).toEqual([LAST_LOGIN_BATCH_SIZE, 3]);
    await batch.flush();
    expect(calls).toEqual([LAST_LOGIN_BATCH_SIZE, 3]);
  });

  it('flush() writes what waits before the interval', async () => {
    const { repository, ids, calls, lastLogin } = await withUsers(2);
    const batch = new LastLoginBatch(repository, 60_000);
    batch.add(ids[0], new Date(7000));
    batch.add(ids[1], new Date(8000));
    await batch.flush();
    expect(calls).toEqual([2]);
    expect((await lastLogin(ids[1]))?.getTime()).toBe(8000);
  });

  it('keeps a failed batch for the next try, behind a later login of the same user', async () => {
    const { repository, ids, lastLogin } = await withUsers(2);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const recordLogins = repository.recordLogins.bind(repository);
    let down = true;
    repository.recordLogins = (logins) =>
      down ? Promise.reject(new Error('database down')) : recordLogins(logins);
    const batch = new LastLoginBatch(repository, 20);
    batch.add(ids[0], new Date(1000));
    batch.add(ids[1], new Date(1000));
    await batch.flush();
    expect(batch.size).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('database down'));
    batch.add(ids[0], new Date(9000));
    down = false;
    await sleep(60);
    expect((await lastLogin(ids[0]))?.getTime()).toBe(9000);
    expect((await lastLogin(ids[1]))?.getTime()).toBe(1000);
    warn.mockRestore();
  });
});

describe('UsersService.recordLogin', () => {
  const passwords = new PasswordService(resolvePasswordOptions({}));

  it('writes a first login at once and batches a returning one', async () => {
    const { repository, ids, lastLogin } = await withUsers(1);
    const users = new UsersService(repository, passwords, undefined, undefined, 60_000);
    await users.recordLogin(ids[0], new Date(1000));
    expect((await lastLogin(ids[0]))?.getTime()).toBe(1000);
    await users.recordLogin(ids[0], new Date(2000), { returning: true });
    expect((await lastLogin(ids[0]))?.getTime()).toBe(1000);
    await users.beforeApplicationShutdown();
    expect((await lastLogin(ids[0]))?.getTime()).toBe(2000);
  });

  it('writes every login at once with lastLoginBatchMs 0', async () => {
    const { repository, ids, lastLogin } = await withUsers(1);
    const users = new UsersService(repository, passwords, undefined, undefined, 0);
    await users.recordLogin(ids[0], new Date(3000), { returning: true });
    expect((await lastLogin(ids[0]))?.getTime()).toBe(3000);
  });
});
