import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import type { SecurityEvent } from '../../src/core/security-events.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp, sessionCookie } from '../support/app.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('security events on %s', (adapter) => {
  let t: TestApp;
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp(adapter);
    t.app
      .get(EventEmitter2)
      .onAny((_name: string | string[], event: SecurityEvent) => events.push(event));
  });
  afterAll(async () => {
    await t?.close();
  });

  it("emits one typed event per step of a session's life, none carrying a secret", async () => {
    const email = `events-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    await request(t.server)
      .post('/auth/login')
      .send({ email, password: 'wrong password here' })
      .expect(401);
    const login = await request(t.server)
      .post('/auth/login')
      .set('User-Agent', 'agent-at-login')
      .send({ email, password })
      .expect(200);
    const cookie = sessionCookie(login)!;
    const csrf = login.body.csrfToken as string;
    await request(t.server)
      .post('/auth/logout')
      .set('Cookie', cookie)
      .set('User-Agent', 'agent-at-login')
      .expect(403);
    await request(t.server)
      .get('/auth/me')
      .set('Cookie', cookie)
      .set('User-Agent', 'another-agent')
      .expect(200);
    await request(t.server)
      .post('/auth/password')
      .set('Cookie', cookie)
      .set('User-Agent', 'agent-at-login')
      .set('X-CSRF-Token', csrf)
      .send({ currentPassword: password, newPassword: 'a brand new passphrase' })
      .expect(204);

    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'warden.login.failed',
        'warden.login.succeeded',
        'warden.session.created',
        'warden.csrf.rejected',
        'warden.session.context-changed',
        'warden.password.changed',
        'warden.session.rotated',
      ]),
    );
    const failed = events.find((e) => e.type === 'warden.login.failed')!;
    expect(failed.accountHash).toMatch(/^[0-9a-f]{16}$/);
    const serialized = JSON.stringify(events);
    for (const secret of [
      password,
      'a brand new passphrase',
      'wrong password here',
      cookie.slice(4),
      csrf,
      email,
    ]) {
      expect(serialized).not.toContain(secret);
    }
    expect(serialized).not.toMatch(/argon2/);
  });
  it('reports a change of client context once per change, not on every request after it', async () => {
    const email = `context-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const login = await request(t.server)
      .post('/auth/login')
      .set('User-Agent', 'laptop')
      .send({ email, password })
      .expect(200);
    const cookie = sessionCookie(login)!;
    const changes = () => events.filter((e) => e.type === 'warden.session.context-changed').length;
    const before = changes();
    const me = (agent: string) =>
      request(t.server).get('/auth/me').set('Cookie', cookie).set('User-Agent', agent).expect(200);
    await me('laptop');
    expect(changes()).toBe(before);
    for (let i = 0; i < 5; i++) await me('phone');
    expect(changes()).toBe(before + 1);
    await me('laptop');
    expect(changes()).toBe(before + 2);
    const listed = await request(t.server)
      .get('/auth/sessions')
      .set('Cookie', cookie)
      .set('User-Agent', 'laptop')
      .expect(200);
    expect(listed.body[0].userAgent).toBe('laptop');
  });
});
