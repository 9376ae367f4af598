import type { INestApplication } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/audit/audit-log.js';
import { MemoryAuditSink } from '../../src/audit/memory-audit.sink.js';
import { AuthModule } from '../../src/auth/auth.module.js';
import { MemorySessionStore } from '../../src/session/memory-session.store.js';
import { MemoryUserRepository } from '../../src/users/memory-user.repository.js';
import { UsersModule } from '../../src/users/users.module.js';
import { WardenEvent } from '../../src/core/security-events.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const password = 'correct horse battery staple';
const newPassword = 'an entirely new passphrase';

/** A row of `warden_audit` as PostgreSQL gives it. */
interface AuditRow {
  id: string;
  at: string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  session_id: string | null;
  ip: string | null;
  reason: string | null;
  action: string | null;
  result: string | null;
  account_hash: string | null;
}

/** Reads `warden_audit` of `schema` directly, oldest first, bypassing the app. */
async function auditRows(schema: string, where = 'TRUE', parameters: unknown[] = []) {
  const db = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, schema });
  await db.initialize();
  try {
    return (await db.query(
      `SELECT * FROM "${schema}".warden_audit WHERE ${where} ORDER BY at, id`,
      parameters,
    )) as AuditRow[];
  } finally {
    await db.destroy();
  }
}

/** The cookie's value, raw and URL-decoded (`s:<id>.<signature>` in some codecs). */
const cookieValues = (cookie: string) => {
  const value = cookie.slice(cookie.indexOf('=') + 1);
  return [value, decodeURIComponent(value), ...decodeURIComponent(value).split(/[.:]/)].filter(
    (v) => v.length >= 16,
  );
};

describe.each(ADAPTERS)('The audit log on %s', (adapter) => {
  let t: TestApp;
  let schema: { schema: string; drop: () => Promise<void> };
  beforeAll(async () => {
    schema = await createTestSchema();
    t = await startTestApp(adapter, {}, { schema: schema.schema });
  });
  afterAll(async () => {
    await t?.close();
    await schema?.drop();
  });

  it('records a full flow in warden_audit, with no password, cookie, token or email', async () => {
    const email = `audited-${adapter}@example.com`;
    const registered = await request(t.server)
      .post('/auth/register')
      .send({ email, password })
      .expect(201);
    const userId = registered.body.id as string;
    const login = await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    const cookie = sessionCookie(login)!;
    const csrf = login.body.csrfToken as string;
    await request(t.server)
      .post('/auth/login')
      .send({ email, password: 'not the password at all' })
      .expect(401);
    await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
    const changed = await request(t.server)
      .post('/auth/password')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ currentPassword: password, newPassword })
      .expect(204);
    const rotated = sessionCookie(changed)!;
    const listed = await request(t.server).get('/auth/sessions').set('Cookie', rotated).expect(200);
    const handle = (listed.body as { id: string; current: boolean }[]).find((s) => s.current)!.id;
    await request(t.server)
      .post('/auth/logout')
      .set('Cookie', rotated)
      .set('X-CSRF-Token', csrf)
      .expect(204);
    const tokens = await request(t.server)
      .post('/auth/token')
      .send({ email, password: newPassword })
      .expect(200);
    const refreshed = await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: tokens.body.refreshToken })
      .expect(200);

    await t.app.get(AuditLog).flush();
    const rows = await auditRows(schema.schema);
    const mine = rows.filter((r) => r.user_id === userId).map((r) => [r.type, r.reason]);
    expect(mine).toEqual(
      expect.arrayContaining([
        ['warden.login.succeeded', null],
        ['warden.session.created', null],
        ['warden.password.changed', null],
        ['warden.session.rotated', 'password-change'],
        ['warden.session.revoked', 'logout'],
        ['warden.login.succeeded', 'token'],
        ['warden.session.rotated', 'refresh'],
      ]),
    );
    const revoked = rows.find((r) => r.type === 'warden.session.revoked');
    expect(revoked).toMatchObject({ user_id: userId, session_id: handle, actor_id: null });
    const failed = rows.filter((r) => r.type === 'warden.login.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.account_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(failed[0]!.ip).toBeTruthy();
    // Every row's time is a real millisecond time, oldest first in insertion order.
    for (const row of rows) expect(Math.abs(Number(row.at) - Date.now())).toBeLessThan(600_000);

    const secrets = [
      password,
      newPassword,
      email,
      csrf,
      ...cookieValues(cookie),
      ...cookieValues(rotated),
      tokens.body.accessToken,
      tokens.body.refreshToken,
      refreshed.body.accessToken,
      refreshed.body.refreshToken,
      ...String(tokens.body.accessToken).split('.'),
    ] as string[];
    // `type` is one of the event names, `ip` an address; the rest are identifiers, never secrets.
    const names: string[] = Object.values(WardenEvent);
    expect(rows.filter((r) => !names.includes(r.type))).toEqual([]);
    for (const row of rows) expect(row.ip ?? '::1').toMatch(/^[0-9a-f:.]{2,45}$/i);
    const values = rows.flatMap(({ type: _type, ip: _ip, ...row }) =>
      Object.values(row).filter((v): v is string => typeof v === 'string'),
    );
    expect(values.length).toBeGreaterThan(rows.length);
    for (const value of values) {
      for (const secret of secrets) expect(value).not.toContain(secret);
      // Nothing token-shaped at all: a UUID has hyphens every few characters, a session handle
      // is 22 characters, an account hash 16; no JWT segment, email or password hash.
      expect(value).not.toMatch(/[A-Za-z0-9_+/=-]{37,}|^eyJ|\.|@|\$argon2/);
    }
  });
});

describe('The audit log while PostgreSQL is unreachable', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let log: AuditLog;
  let schema: { schema: string; drop: () => Promise<void> };
  let userId: string;
  const email = 'audit-outage@example.com';

  beforeAll(async () => {
    let proxiedUrl: string;
    ({ proxy, url: proxiedUrl } = await TcpProxy.inFrontOf(TEST_DATABASE_URL));
    schema = await createTestSchema();
    t = await startTestApp(
      'express',
      { DATABASE_URL: proxiedUrl, AUDIT_MAX_BUFFERED: '5' },
      { schema: schema.schema },
    );
    log = t.app.get(AuditLog);
    const res = await request(t.server).post('/auth/register').send({ email, password });
    userId = res.body.id;
    await log.flush();
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.close();
    await proxy?.stop();
    await schema?.drop();
  });

  /** A signed-in session of the user, its login events written (the buffer holds 5). */
  const signIn = async () => {
    const res = await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    const session = { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
    await request(t.server).get('/auth/me').set('Cookie', session.cookie).expect(200); // cached
    await log.flush();
    expect(log.buffered).toBe(0);
    return session;
  };
  const logout = (session: { cookie: string; csrf: string }) =>
    request(t.server)
      .post('/auth/logout')
      .set('Cookie', session.cookie)
      .set('X-CSRF-Token', session.csrf);
  const logouts = () =>
    auditRows(schema.schema, `user_id = $1 AND type = 'warden.session.revoked'`, [userId]);
  /** Writes what waits once PostgreSQL is back (the pool may first meet a dead connection). */
  const flushAfterRestore = async () => {
    for (let i = 0; i < 20 && log.buffered > 0; i++) {
      await log.flush();
      if (log.buffered > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(log.buffered).toBe(0);
  };

  it('keeps answering requests that need no database, and writes their events once it is back', async () => {
    const session = await signIn();
    const before = (await logouts()).length;
    proxy.cutAll();
    const started = performance.now();
    await request(t.server).get('/auth/me').set('Cookie', session.cookie).expect(200);
    await logout(session).expect(204);
    expect(performance.now() - started).toBeLessThan(2000); // no audit write on the request path
    await log.flush(); // fails: the batch stays
    expect(log.buffered).toBe(1);
    expect(await logouts()).toHaveLength(before);

    proxy.restore();
    await flushAfterRestore();
    const rows = await logouts();
    expect(rows).toHaveLength(before + 1);
    expect(rows[rows.length - 1]!.reason).toBe('logout');
    expect(log.dropped).toBe(0);
  });

  it('drops and counts the events past maxBuffered, and writes the rest', async () => {
    const sessions = [];
    for (let i = 0; i < 8; i++) sessions.push(await signIn());
    const before = (await logouts()).length;
    proxy.cutAll();
    for (const session of sessions) await logout(session).expect(204);
    await log.flush();
    expect(log.buffered).toBe(5);
    expect(log.dropped).toBe(3);

    proxy.restore();
    await flushAfterRestore();
    expect(await logouts()).toHaveLength(before + 5);
    expect(log.dropped).toBe(3);
  });
});

describe('AuthModule option audit', () => {
  const secrets = ['audit-host-secret-0123456789abcdefghijklmn'];
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const hostApp = async (auth: ReturnType<typeof AuthModule.forRoot>) => {
    @Module({ imports: [UsersModule.forRoot({ repository: new MemoryUserRepository() }), auth] })
    class HostModule {}
    const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
    const created = moduleRef.createNestApplication({ logger: false });
    await created.init();
    return created;
  };
  const base = () => ({ sessionStore: new MemorySessionStore(), session: { secrets } });

  it('records a host app’s events, and writes what waits when the app closes', async () => {
    const sink = new MemoryAuditSink();
    app = await hostApp(
      AuthModule.forRootAsync({
        audit: true,
        useFactory: () => ({ ...base(), audit: { sink, flushIntervalMs: 3_600_000 } }),
      }),
    );
    const email = 'host-audit@example.com';
    await request(app.getHttpServer()).post('/auth/register').send({ email, password });
    await request(app.getHttpServer()).post('/auth/login').send({ email, password }).expect(200);
    expect(app.get(AuditLog).buffered).toBeGreaterThan(0);
    expect(await sink.read({ limit: 10 })).toEqual([]);
    await app.close();
    app = undefined;
    expect((await sink.read({ limit: 10 })).map((r) => r.type)).toEqual(
      expect.arrayContaining(['warden.login.succeeded', 'warden.session.created']),
    );
  });

  it('is absent without `audit`', async () => {
    app = await hostApp(AuthModule.forRoot(base()));
    expect(() => app!.get(AuditLog)).toThrow();
  });

  it('refuses to boot when forRootAsync mounts it without options, or the reverse', async () => {
    await expect(
      hostApp(AuthModule.forRootAsync({ audit: true, useFactory: base })),
    ).rejects.toThrow(/audit: true.*no `audit` options/);
    await expect(
      hostApp(
        AuthModule.forRootAsync({
          useFactory: () => ({ ...base(), audit: { sink: new MemoryAuditSink() } }),
        }),
      ),
    ).rejects.toThrow(/not mounted: pass forRootAsync\(\{ audit: true/);
    await expect(
      hostApp(
        AuthModule.forRoot({ ...base(), audit: { sink: new MemoryAuditSink(), maxBuffered: 0 } }),
      ),
    ).rejects.toThrow(/audit.maxBuffered must be a positive integer/);
  });

  it('checks the sink at boot', async () => {
    const sink = new MemoryAuditSink();
    sink.check = async () => {
      throw new Error('TypeOrmAuditSink: reading warden_audit failed: add migrations');
    };
    await expect(hostApp(AuthModule.forRoot({ ...base(), audit: { sink } }))).rejects.toThrow(
      /reading warden_audit failed/,
    );
  });
});
