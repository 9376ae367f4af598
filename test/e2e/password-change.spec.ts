import request from 'supertest';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('POST /auth/password under concurrency on %s', (adapter) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp(adapter);
  });
  afterAll(async () => {
    await t?.close();
  });

  const newUser = async () => {
    const email = `changer-${adapter}-${n++}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    return email;
  };
  const login = async (email: string, pw = password) => {
    const res = await request(t.server)
      .post('/auth/login')
      .send({ email, password: pw })
      .expect(200);
    return { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
  };
  const change = (s: { cookie: string; csrf: string }, current: string, next: string) =>
    request(t.server)
      .post('/auth/password')
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', s.csrf)
      .send({ currentPassword: current, newPassword: next });
  const me = (cookie: string) => request(t.server).get('/auth/me').set('Cookie', cookie);

  it('kills the previous cookie at once: no grace for a security rotation', async () => {
    const s = await login(await newUser());
    const res = await change(s, password, 'a brand new passphrase').expect(204);
    const fresh = sessionCookie(res)!;
    expect(fresh).toBeDefined();
    await me(s.cookie).expect(401);
    // The old cookie with the (unchanged) CSRF token cannot log the new session out either.
    await request(t.server)
      .post('/auth/logout')
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', s.csrf)
      .expect(401);
    await me(fresh).expect(200);
  });

  it('keeps the session of a caller whose other requests run during the change', async () => {
    for (let round = 0; round < 3; round++) {
      const s = await login(await newUser());
      let done = false;
      const pending = change(s, password, `a brand new passphrase ${round}`).then((r) => {
        done = true;
        return r;
      });
      const hammer = async () => {
        while (!done) await me(s.cookie);
      };
      const [res] = await Promise.all([pending, hammer(), hammer(), hammer()]);
      expect(res.status).toBe(204);
      await me(sessionCookie(res)!).expect(200);
    }
  });

  it('lets one of two parallel changes win; the other is not told the password was wrong, nor counted', async () => {
    const email = await newUser();
    const a = await login(email);
    const b = await login(email);
    const [first, second] = await Promise.all([
      change(a, password, 'first new passphrase here'),
      change(b, password, 'second new passphrase here'),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses[0]).toBe(204);
    const loser = first.status === 204 ? second : first;
    expect([401, 409]).toContain(loser.status);
    expect(loser.body.code).not.toBe('INVALID_PASSWORD');
    const winner =
      first.status === 204 ? 'first new passphrase here' : 'second new passphrase here';
    // Not counted as failures: four wrong passwords still leave room for the right one.
    const s = await login(email, winner);
    for (let i = 0; i < 4; i++)
      await change(s, 'not the password', 'whatever passphrase').expect(401);
    await change(s, winner, 'third new passphrase here').expect(204);
  });

  it('gives the same session two parallel changes: one 204 and one refusal that changed nothing', async () => {
    const email = await newUser();
    const s = await login(email);
    const [first, second] = await Promise.all([
      change(s, password, 'first new passphrase here'),
      change(s, password, 'second new passphrase here'),
    ]);
    const ok = [first, second].filter((r) => r.status === 204);
    expect(ok).toHaveLength(1);
    const loser = first.status === 204 ? second : first;
    expect([401, 409]).toContain(loser.status);
    expect(loser.body.code).not.toBe('INVALID_PASSWORD');
    await me(sessionCookie(ok[0])!).expect(200);
    const winner = ok[0] === first ? 'first new passphrase here' : 'second new passphrase here';
    await login(email, winner);
  });
});
