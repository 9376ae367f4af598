import request from 'supertest';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import { LoginThrottle } from '../../src/security/login-throttle.js';

const password = 'correct horse battery staple';
const wrong = 'not the password at all';

describe.each(ADAPTERS)('credential throttling on %s', (adapter) => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    // A proxy hop is trusted so tests can speak from several client IPs.
    t = await startTestApp(adapter, { TRUST_PROXY: '1' }, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  const fresh = async () => {
    const email = `throttle-${adapter}-${++n}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    return email;
  };
  const login = (email: string, pass: string, ip = '198.51.100.10') =>
    request(t.server)
      .post('/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email, password: pass });

  it('lets at most 5 of 200 parallel wrong passwords through; the rest get 429 + Retry-After', async () => {
    const email = await fresh();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => login(email, wrong, '198.51.100.11')),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s !== 429 && s !== 401)).toEqual([]);
    const throttled = answers.find((a) => a.status === 429)!;
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(throttled.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'TOO_MANY_ATTEMPTS',
      message: 'Too many failed attempts; try again later',
    });
    // Locked: even the right password gets 429 (and no cookie) from this client.
    const right = await login(email, password, '198.51.100.11').expect(429);
    expect(sessionCookie(right)).toBeUndefined();
  });

  it('answers an unknown account exactly like an existing one', async () => {
    const known = await fresh();
    const unknown = `nobody-${adapter}@example.com`;
    const run = async (email: string, ip: string) => {
      const out: { status: number; retryAfter?: string; body: unknown }[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await login(email, wrong, ip);
        out.push({ status: r.status, retryAfter: r.headers['retry-after'], body: r.body });
      }
      return out;
    };
    expect(await run(unknown, '198.51.100.12')).toEqual(await run(known, '198.51.100.13'));
  });

  it('grows the wait after each failure past the limit', async () => {
    const email = await fresh();
    for (let i = 0; i < 5; i++) await login(email, wrong, '198.51.100.14').expect(401);
    const first = await login(email, wrong, '198.51.100.14').expect(429);
    expect(first.headers['retry-after']).toBe('5');
    clock.advanceSeconds(5);
    await login(email, wrong, '198.51.100.14').expect(401);
    const second = await login(email, wrong, '198.51.100.14').expect(429);
    expect(second.headers['retry-after']).toBe('10');
  });

  it('a success resets the count for that client only, and others cannot lock it out', async () => {
    const email = await fresh();
    for (let i = 0; i < 4; i++) await login(email, wrong, '198.51.100.15').expect(401);
    await login(email, password, '198.51.100.15').expect(200);
    // An attacker elsewhere exhausts the account...
    for (let i = 0; i < 5; i++) await login(email, wrong, `203.0.113.${i + 1}`).expect(401);
    await login(email, password, '203.0.113.50').expect(429);
    // ...but the client that logged in before still can, and has its own 5 attempts.
    await login(email, password, '198.51.100.15').expect(200);
    for (let i = 0; i < 5; i++) await login(email, wrong, '198.51.100.15').expect(401);
    await login(email, password, '198.51.100.15').expect(429);
  });

  it('counts wrong passwords on POST /auth/token and POST /auth/password too', async () => {
    const email = await fresh();
    for (let i = 0; i < 5; i++) {
      await request(t.server)
        .post('/auth/token')
        .set('X-Forwarded-For', '198.51.100.16')
        .send({ email, password: wrong })
        .expect(401);
    }
    await request(t.server)
      .post('/auth/token')
      .set('X-Forwarded-For', '198.51.100.16')
      .send({ email, password })
      .expect(429);

    const other = await fresh();
    const session = await login(other, password, '198.51.100.17').expect(200);
    const change = (current: string) =>
      request(t.server)
        .post('/auth/password')
        .set('X-Forwarded-For', '198.51.100.17')
        .set('Cookie', sessionCookie(session)!)
        .set('X-CSRF-Token', session.body.csrfToken as string)
        .send({ currentPassword: current, newPassword: 'an entirely new passphrase' });
    for (let i = 0; i < 5; i++) await change(wrong).expect(401);
    await change(password).expect(429);
  });
});

describe.each(ADAPTERS)('concurrent logins and the consecutive-failure lock on %s', (adapter) => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    t = await startTestApp(
      adapter,
      { TRUST_PROXY: '1', LOGIN_MAX_CONSECUTIVE_FAILURES: '8' },
      { clock },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  const fresh = async () => {
    const email = `lock-${adapter}-${++n}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    return email;
  };
  const login = (email: string, pass: string, ip: string) =>
    request(t.server)
      .post('/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email, password: pass });

  it('logs in 12 parallel clients with the right password: 12 × 200, no 429', async () => {
    const email = await fresh();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => login(email, password, '198.51.100.30')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
  });

  it('locks password login after LOGIN_MAX_CONSECUTIVE_FAILURES failures, known clients spared, until unlocked', async () => {
    const email = await fresh();
    await login(email, password, '198.51.100.31').expect(200);
    // Strangers spread 8 failures over two windows, never hitting the per-window limit of 5.
    for (let i = 0; i < 8; i++) {
      if (i === 4) clock.advanceSeconds(901);
      await login(email, wrong, `203.0.113.${100 + i}`).expect(401);
    }
    clock.advanceSeconds(901);
    const locked = await login(email, password, '203.0.113.120').expect(429);
    expect(locked.body).toMatchObject({ code: 'ACCOUNT_LOCKED', statusCode: 429 });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(86400);
    expect(sessionCookie(locked)).toBeUndefined();
    // Unknown accounts answer alike: no enumeration through the lock.
    for (let i = 0; i < 8; i++) {
      if (i === 4) clock.advanceSeconds(901);
      await login(`ghost-${adapter}@example.com`, wrong, `203.0.113.${130 + i}`).expect(401);
    }
    clock.advanceSeconds(901);
    const ghost = await login(`ghost-${adapter}@example.com`, wrong, '203.0.113.120').expect(429);
    expect(ghost.body).toEqual(locked.body);
    // The client that logged in before is not locked out by strangers.
    await login(email, password, '198.51.100.31').expect(200);
    // Its success reset the count; lock it again, then an unlock lets strangers in again.
    for (let i = 0; i < 8; i++) {
      if (i === 4) clock.advanceSeconds(901);
      await login(email, wrong, `203.0.113.${140 + i}`).expect(401);
    }
    clock.advanceSeconds(901);
    await login(email, password, '203.0.113.121').expect(429);
    await t.app.get(LoginThrottle).unlock(email);
    await login(email, password, '203.0.113.121').expect(200);
  });
});

describe.each(ADAPTERS)('client IP for throttling on %s', (adapter) => {
  const accounts = (tag: string) =>
    Array.from({ length: 4 }, (_, i) => `ip-${tag}-${adapter}-${i}@example.com`);
  const spray = async (t: TestApp, tag: string) => {
    const statuses: number[] = [];
    for (const [i, email] of accounts(tag).entries()) {
      const r = await request(t.server)
        .post('/auth/login')
        .set('X-Forwarded-For', `192.0.2.${i + 1}`)
        .send({ email, password: wrong });
      statuses.push(r.status);
    }
    return statuses;
  };

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const t = await startTestApp(adapter, { LOGIN_MAX_FAILURES_PER_IP: '3' });
    try {
      expect(await spray(t, 'untrusted')).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });

  it('honours X-Forwarded-For with TRUST_PROXY=1 (one hop)', async () => {
    const t = await startTestApp(adapter, { LOGIN_MAX_FAILURES_PER_IP: '3', TRUST_PROXY: '1' });
    try {
      expect(await spray(t, 'trusted')).toEqual([401, 401, 401, 401]);
      // A client cannot add hops of its own: with one trusted hop only the last entry counts.
      const statuses: number[] = [];
      for (const [i, email] of accounts('spoof').entries()) {
        const r = await request(t.server)
          .post('/auth/login')
          .set('X-Forwarded-For', `10.9.9.${i}, 192.0.2.200`)
          .send({ email, password: wrong });
        statuses.push(r.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});
