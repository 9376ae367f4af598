import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import { totpCode } from '../../src/testing/index.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import { createTestSchema, uniqueName } from '../support/services.js';

const password = 'correct horse battery staple';
const ADMIN = { email: 'root@example.com', password: 'the administrator passphrase' };

describe.each(ADAPTERS)('The admin API on %s', (adapter) => {
  let a: TestApp;
  let b: TestApp;
  let schema: { schema: string; drop: () => Promise<void> };
  const clock = new FakeClock(Date.now());
  const events: Array<Record<string, unknown>> = [];
  let n = 0;

  beforeAll(async () => {
    schema = await createTestSchema();
    const env = {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_MAX_CONSECUTIVE_FAILURES: '3',
      REDIS_KEY_PREFIX: `${uniqueName('warden_admin')}:`,
    };
    a = await startTestApp(adapter, env, { clock, schema: schema.schema });
    b = await startTestApp(adapter, env, { clock, schema: schema.schema });
    a.app.get(EventEmitter2).onAny((_: string | string[], e: unknown) => {
      events.push(e as Record<string, unknown>);
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await schema?.drop();
  });

  type Session = { cookie: string; csrf: string };
  const login = async (email: string, pw = password, app = a): Promise<Session> => {
    const res = await request(app.server).post('/auth/login').send({ email, password: pw });
    expect(res.status).toBe(200);
    return { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
  };
  const admin = () => login(ADMIN.email, ADMIN.password);
  const as = (s: Session, method: 'get' | 'post' | 'patch' | 'delete', path: string, app = a) =>
    request(app.server)[method](path).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf);
  const newUser = async (prefix = 'member') => {
    const email = `${prefix}-${adapter}-${n++}@example.com`;
    const res = await request(a.server)
      .post('/auth/register')
      .send({ email, password })
      .expect(201);
    return { email, id: res.body.id as string };
  };

  it('answers 401 without a credential and 403 FORBIDDEN_ROLE without the role', async () => {
    await request(a.server).get('/admin/users').expect(401);
    const { email } = await newUser();
    const res = await as(await login(email), 'get', '/admin/users').expect(403);
    expect(res.body.code).toBe('FORBIDDEN_ROLE');
  });

  it('answers every route 401 without a credential and 404 for an unknown user', async () => {
    const root = await admin();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const routes = [
      ['get', `/admin/users/${unknown}`],
      ['patch', `/admin/users/${unknown}`],
      ['delete', `/admin/users/${unknown}/sessions`],
      ['post', `/admin/users/${unknown}/unlock`],
      ['delete', `/admin/users/${unknown}/mfa`],
    ] as const;
    for (const [method, path] of routes) {
      expect({ path, status: (await request(a.server)[method](path)).status }).toEqual({
        path,
        status: 401,
      });
      const res = await as(root, method, path).send(method === 'patch' ? { isActive: true } : {});
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 404,
        code: 'USER_NOT_FOUND',
      });
    }
    await request(a.server).get('/admin/audit').expect(401);
  });

  it('lists with limit and offset, searches a literal email prefix, refuses bad parameters', async () => {
    const root = await admin();
    for (const local of ['pfx.one', 'pfx.two', 'pfx%three']) {
      await request(a.server)
        .post('/auth/register')
        .send({ email: `${local}-${adapter}@search.test`, password })
        .expect(201);
    }
    const page = await as(root, 'get', '/admin/users?limit=2&offset=0').expect(200);
    expect(page.body).toHaveLength(2);
    const found = await as(root, 'get', `/admin/users?q=PFX.`).expect(200);
    expect(found.body.map((u: { email: string }) => u.email)).toEqual([
      `pfx.one-${adapter}@search.test`,
      `pfx.two-${adapter}@search.test`,
    ]);
    const literal = await as(root, 'get', `/admin/users?q=${encodeURIComponent('pfx%')}`).expect(
      200,
    );
    expect(literal.body.map((u: { email: string }) => u.email)).toEqual([
      `pfx%three-${adapter}@search.test`,
    ]);
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=x',
      'offset=-1',
      `q=${'a'.repeat(300)}`,
      'q=a%00b',
    ]) {
      const res = await as(root, 'get', `/admin/users?${query}`);
      expect({ query, status: res.status, code: res.body.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });

  it('shows one user with isActive, lastLoginAt and the live session count; 404 otherwise', async () => {
    const root = await admin();
    const { email, id } = await newUser();
    await login(email);
    await login(email);
    const res = await as(root, 'get', `/admin/users/${id}`).expect(200);
    expect(res.body).toMatchObject({ id, email, isActive: true, sessions: 2 });
    expect(res.body.lastLoginAt).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/);
    for (const bad of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await as(root, 'get', `/admin/users/${bad}`).expect(404)).body.code).toBe(
        'USER_NOT_FOUND',
      );
    }
  });

  it('changes roles and deactivates, effective at once on another instance', async () => {
    const root = await admin();
    const { email, id } = await newUser();
    const onB = await login(email, password, b);
    await as(onB, 'get', '/admin/users', b).expect(403); // B has the user cached now
    await as(root, 'patch', `/admin/users/${id}`)
      .send({ roles: ['user', 'admin'] })
      .expect(200);
    // A role change ends the user's sessions (authVersion); the next login has the role.
    await as(onB, 'get', '/auth/me', b).expect(401);
    await as(await login(email, password, b), 'get', '/admin/users', b).expect(200);

    const again = await login(email, password, b);
    const off = await as(root, 'patch', `/admin/users/${id}`).send({ isActive: false }).expect(200);
    expect(off.body.isActive).toBe(false);
    await as(again, 'get', '/auth/me', b).expect(401);
    await request(b.server).post('/auth/login').send({ email, password }).expect(401);
    await as(root, 'patch', `/admin/users/${id}`).send({ isActive: true }).expect(200);
    await login(email, password, b);

    const action = events.find((e) => e.type === 'warden.admin.action' && e.userId === id);
    expect(action).toMatchObject({ actorId: expect.any(String), result: 'success' });
  });

  it('refuses self-lockout, bad bodies, and writes without recent auth', async () => {
    let root = await admin();
    const me = (await as(root, 'get', '/auth/me').expect(200)).body.id as string;
    for (const body of [{ roles: ['user'] }, { isActive: false }]) {
      const res = await as(root, 'patch', `/admin/users/${me}`).send(body).expect(403);
      expect(res.body.code).toBe('SELF_LOCKOUT');
    }
    expect(events.some((e) => e.actorId === me && e.result === 'refused')).toBe(true);
    for (const body of [{ roles: 'admin' }, { roles: [1] }, { isActive: 'yes' }, { extra: 1 }]) {
      await as(root, 'patch', `/admin/users/${me}`).send(body).expect(400);
    }
    const { id } = await newUser();
    clock.advanceSeconds(301);
    const stale = await as(root, 'delete', `/admin/users/${id}/sessions`).expect(403);
    expect(stale.body.code).toBe('REAUTH_REQUIRED');
    await as(root, 'get', `/admin/users/${id}`).expect(200); // reads need no recent auth
    const step = await as(root, 'post', '/auth/reauth')
      .send({ password: ADMIN.password })
      .expect(204);
    root = { ...root, cookie: sessionCookie(step)! };
    await as(root, 'delete', `/admin/users/${id}/sessions`).expect(204);
  });

  it('signs a user out everywhere', async () => {
    const root = await admin();
    const { email, id } = await newUser();
    const [s1, s2] = [await login(email), await login(email, password, b)];
    const pair = await request(a.server).post('/auth/token').send({ email, password }).expect(200);
    await as(root, 'delete', `/admin/users/${id}/sessions`).expect(204);
    await as(s1, 'get', '/auth/me').expect(401);
    await as(s2, 'get', '/auth/me', b).expect(401);
    await request(a.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: pair.body.refreshToken })
      .expect(401);
  });

  it('unlocks an account locked by failed passwords', async () => {
    const root = await admin();
    const { email, id } = await newUser();
    // From a client the account has never succeeded from (a known one would be spared).
    for (let i = 0; i < 3; i++) {
      await request(a.server).post('/auth/login').send({ email, password: 'wrong one' });
    }
    const locked = await request(a.server).post('/auth/login').send({ email, password });
    expect(locked.status).toBe(429);
    await as(root, 'post', `/admin/users/${id}/unlock`).expect(204);
    await login(email);
  });

  it('reads the audit log of a user, newest first, admin actions included', async () => {
    const root = await admin();
    const { email, id } = await newUser();
    await login(email);
    await as(root, 'post', `/admin/users/${id}/unlock`).expect(204);
    const res = await as(root, 'get', `/admin/audit?userId=${id}&limit=10`).expect(200);
    const types = res.body.map((r: { type: string }) => r.type);
    expect(types[0]).toBe('warden.admin.action');
    expect(types).toContain('warden.login.succeeded');
    expect(res.body[0]).toMatchObject({ userId: id, action: 'unlock', result: 'success' });
    expect(JSON.stringify(res.body)).not.toContain(password);
    for (const query of ['limit=0', 'limit=101', 'userId=nope', 'before=-5']) {
      await as(root, 'get', `/admin/audit?${query}`).expect(400);
    }
    const { email: other } = await newUser();
    await as(await login(other), 'get', '/admin/audit').expect(403);
  });

  it("resets a user's MFA: off, and signed out", async () => {
    const root = await admin();
    const { email, id } = await newUser();
    const s = await login(email);
    const setup = await as(s, 'post', '/auth/mfa/totp/setup').expect(200);
    const confirm = await as(s, 'post', '/auth/mfa/totp/confirm')
      .send({ code: totpCode(setup.body.secret as string, clock.now()) })
      .expect(200);
    const session = { ...s, cookie: sessionCookie(confirm)! };
    await as(root, 'delete', `/admin/users/${id}/mfa`).expect(204);
    await as(session, 'get', '/auth/me').expect(401);
    const direct = await request(a.server)
      .post('/auth/login')
      .send({ email, password })
      .expect(200);
    expect(direct.body.user).toMatchObject({ email, mfaEnabled: false });
  });
});
