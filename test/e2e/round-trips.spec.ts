import type { Redis } from 'ioredis';
import request from 'supertest';
import { EXAMPLE_REDIS } from '../../src/example/example.tokens.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp, sessionCookie } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import { RedisMonitor } from '../support/redis-monitor.js';
import { TEST_REDIS_URL } from '../support/services.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('Redis commands per request on %s', (adapter) => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    t = await startTestApp(adapter, {}, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * The top-level Redis commands (not those run inside scripts) that `send` causes on the app's
   * own connection. Other suites share this Redis: their commands, even ones naming this app's
   * keys, come from other connections and never count. No sleep either: the monitor settles on
   * a marker executed after every command the app was answered for.
   */
  async function commandsDuring(send: () => Promise<unknown>): Promise<string[]> {
    const appRedis = t.app.get<Redis>(EXAMPLE_REDIS);
    const info = String(await appRedis.call('CLIENT', 'INFO'));
    const appAddress = /(?:^| )addr=(\S+)/.exec(info)?.[1];
    if (!appAddress) throw new Error(`no addr in CLIENT INFO: ${info}`);
    const monitor = await RedisMonitor.start(TEST_REDIS_URL);
    try {
      await send();
      await monitor.settle();
      return monitor.commands
        .filter((command) => command.source === appAddress)
        .map((command) => command.args[0]!);
    } finally {
      monitor.close();
    }
  }

  it('is one Redis round trip (session and cached user in one script) once the user is cached', async () => {
    const email = `cost-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const login = await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    const cookie = sessionCookie(login)!;
    await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200); // fills the cache

    const sent = await commandsDuring(async () => {
      for (let i = 0; i < 3; i++)
        await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
    });
    expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha']);
  });

  it('a login with the right password: two throttle counts, their settlement, one new session', async () => {
    const email = `cost-login-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const sent = await commandsDuring(() =>
      request(t.server).post('/auth/login').send({ email, password }).expect(200),
    );
    // Per IP, then per account (and account+IP); the IP's refund alongside the success script
    // that takes this client's attempts off the account; the session script.
    expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha', 'evalsha', 'evalsha']);
  });

  it('is one Redis round trip for a bearer token too (token session by handle, with the cached user)', async () => {
    const email = `cost-bearer-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const pair = await request(t.server).post('/auth/token').send({ email, password }).expect(200);
    const bearer = `Bearer ${pair.body.accessToken as string}`;
    await request(t.server).get('/auth/me').set('Authorization', bearer).expect(200);

    const sent = await commandsDuring(async () => {
      for (let i = 0; i < 3; i++)
        await request(t.server).get('/auth/me').set('Authorization', bearer).expect(200);
    });
    expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha']);
  });

  it('reads the token session and its cached user once per refresh, then rotates in one script', async () => {
    const email = `cost-refresh-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const pair = await request(t.server).post('/auth/token').send({ email, password }).expect(200);
    const bearer = `Bearer ${pair.body.accessToken as string}`;
    await request(t.server).get('/auth/me').set('Authorization', bearer).expect(200); // fills the cache
    const first = await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: pair.body.refreshToken })
      .expect(200); // loads the scripts

    const sent = await commandsDuring(() =>
      request(t.server)
        .post('/auth/token/refresh')
        .send({ refreshToken: first.body.refreshToken })
        .expect(200),
    );
    // The session with its cached user (one script), then the rotation that also marks the old
    // token spent (one script): no second read of the user, no separate write of the marker.
    expect(sent).toEqual(['evalsha', 'evalsha']);
  });
});
