import request from 'supertest';
import { UsersService } from '../../src/users/users.service.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp, sessionCookie } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('bearer tokens on %s', (adapter) => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp(adapter, {}, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function tokenLogin() {
    const email = `api${n++}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const res = await request(t.server).post('/auth/token').send({ email, password }).expect(200);
    return {
      email,
      ...(res.body as {
        accessToken: string;
        refreshToken: string;
        tokenType: string;
        expiresIn: number;
      }),
    };
  }
  const me = (access: string) =>
    request(t.server).get('/auth/me').set('Authorization', `Bearer ${access}`);
  const refresh = (refreshToken: string) =>
    request(t.server).post('/auth/token/refresh').send({ refreshToken });

  describe('POST /auth/token', () => {
    it('returns an access JWT with the API.md claims and an opaque refresh token', async () => {
      const pair = await tokenLogin();
      expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      const claims = JSON.parse(
        Buffer.from(pair.accessToken.split('.')[1], 'base64url').toString(),
      );
      expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
      expect(pair.refreshToken).not.toContain('.ey');
      await me(pair.accessToken).expect(200);
    });

    it('answers wrong credentials with the same 401 as cookie login, and sets no cookie', async () => {
      const { email } = await tokenLogin();
      const res = await request(t.server)
        .post('/auth/token')
        .send({ email, password: 'not the password' })
        .expect(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('creates a server session that the user can list and revoke, killing the access token at once', async () => {
      const pair = await tokenLogin();
      const list = await request(t.server)
        .get('/auth/sessions')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(200);
      expect(list.body).toHaveLength(1);
      expect(list.body[0].current).toBe(true);
      await request(t.server)
        .delete(`/auth/sessions/${list.body[0].id}`)
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(204); // no CSRF token needed for bearer requests
      await me(pair.accessToken).expect(401);
      await refresh(pair.refreshToken).expect(401);
    });
  });

  describe('POST /auth/token/refresh', () => {
    it('rotates: the new pair works, the old refresh token is spent', async () => {
      const pair = await tokenLogin();
      const next = (await refresh(pair.refreshToken).expect(200)).body;
      expect(next.refreshToken).not.toBe(pair.refreshToken);
      await me(next.accessToken).expect(200);
      await me(pair.accessToken).expect(200); // same session, still alive
    });

    it('revokes the whole family when a spent refresh token is replayed', async () => {
      const pair = await tokenLogin();
      const next = (await refresh(pair.refreshToken).expect(200)).body;
      clock.advanceSeconds(2);
      const replay = await refresh(pair.refreshToken).expect(401);
      expect(replay.body.code).toBe('SESSION_INVALID');
      await refresh(next.refreshToken).expect(401);
      await me(next.accessToken).expect(401);
    });

    it('revokes the family when a spent refresh token is replayed at once, with no grace', async () => {
      const pair = await tokenLogin();
      const next = (await refresh(pair.refreshToken).expect(200)).body;
      await refresh(pair.refreshToken).expect(401);
      await refresh(next.refreshToken).expect(401);
      await me(next.accessToken).expect(401);
    });

    it('gives one of 20 parallel refreshes with one token a pair, and the duplicates revoke the family', async () => {
      const pair = await tokenLogin();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => refresh(pair.refreshToken)),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(19);
      // With REFRESH_TOKEN_GRACE_S=0 a duplicate is reuse: the successor dies with the family.
      await me(ok[0].body.accessToken).expect(401);
      await refresh(ok[0].body.refreshToken).expect(401);
    });

    it('refuses an access token as a refresh token and a refresh token as an access token', async () => {
      const pair = await tokenLogin();
      await refresh(pair.accessToken).expect(401);
      await me(pair.refreshToken).expect(401);
    });

    it('refuses a session cookie as a refresh token and a refresh token as a cookie', async () => {
      const pair = await tokenLogin();
      const login = await request(t.server)
        .post('/auth/login')
        .send({ email: pair.email, password })
        .expect(200);
      const cookie = sessionCookie(login)!;
      await refresh(cookie.slice(4)).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', `sid=${pair.refreshToken}`).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
    });
  });

  describe('POST /auth/token/revoke', () => {
    it('revokes the refresh token and its session', async () => {
      const pair = await tokenLogin();
      await request(t.server)
        .post('/auth/token/revoke')
        .send({ refreshToken: pair.refreshToken })
        .expect(204);
      await refresh(pair.refreshToken).expect(401);
      await me(pair.accessToken).expect(401);
      await request(t.server)
        .post('/auth/token/revoke')
        .send({ refreshToken: 'garbage' })
        .expect(204);
    });
  });

  describe('password change', () => {
    it('kills both tokens of every token session', async () => {
      const pair = await tokenLogin();
      const other = (
        await request(t.server)
          .post('/auth/token')
          .send({ email: pair.email, password })
          .expect(200)
      ).body;
      await request(t.server)
        .post('/auth/password')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .send({ currentPassword: password, newPassword: 'a brand new passphrase' })
        .expect(204);
      for (const p of [pair, other]) {
        await me(p.accessToken).expect(401);
        await refresh(p.refreshToken).expect(401);
      }
    });
  });

  describe('deactivation', () => {
    it('kills access and refresh tokens on the next request', async () => {
      const pair = await tokenLogin();
      const users = t.app.get(UsersService);
      await users.deactivate((await users.findByEmail(pair.email))!.id);
      await me(pair.accessToken).expect(401);
      await refresh(pair.refreshToken).expect(401);
    });
  });

  describe('access token lifetime', () => {
    it('expires after its TTL even while the session lives', async () => {
      const pair = await tokenLogin();
      clock.advanceSeconds(900 + 31);
      await me(pair.accessToken).expect(401);
      const next = (await refresh(pair.refreshToken).expect(200)).body;
      await me(next.accessToken).expect(200);
    });
  });
});

describe.each(ADAPTERS)('ES256 access tokens on %s', (adapter) => {
  let t: TestApp;
  beforeAll(async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    t = await startTestApp(adapter, {
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEYS: Buffer.from(pem as string).toString('base64'),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('issues ES256 tokens whose keys are published at /.well-known/jwks.json', async () => {
    await request(t.server)
      .post('/auth/register')
      .send({ email: 'es@example.com', password })
      .expect(201);
    const pair = (
      await request(t.server)
        .post('/auth/token')
        .send({ email: 'es@example.com', password })
        .expect(200)
    ).body;
    const header = JSON.parse(Buffer.from(pair.accessToken.split('.')[0], 'base64url').toString());
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const jwks = (await request(t.server).get('/.well-known/jwks.json').expect(200)).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    await request(t.server)
      .get('/auth/me')
      .set('Authorization', `Bearer ${pair.accessToken}`)
      .expect(200);
  });
});

describe('JWKS with HS256', () => {
  it('answers 404: a shared secret has nothing public', async () => {
    const t = await startTestApp('express');
    try {
      await request(t.server).get('/.well-known/jwks.json').expect(404);
    } finally {
      await t.close();
    }
  });
});

describe.each(ADAPTERS)('refresh grace window on %s', (adapter) => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    t = await startTestApp(adapter, { REFRESH_TOKEN_GRACE_S: '5' }, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives a duplicate of the previous token the same successor within the window, then treats it as reuse', async () => {
    await request(t.server)
      .post('/auth/register')
      .send({ email: 'grace@example.com', password })
      .expect(201);
    const first = (
      await request(t.server)
        .post('/auth/token')
        .send({ email: 'grace@example.com', password })
        .expect(200)
    ).body;
    const second = (
      await request(t.server)
        .post('/auth/token/refresh')
        .send({ refreshToken: first.refreshToken })
        .expect(200)
    ).body;
    clock.advanceSeconds(3);
    const duplicate = (
      await request(t.server)
        .post('/auth/token/refresh')
        .send({ refreshToken: first.refreshToken })
        .expect(200)
    ).body;
    expect(duplicate.refreshToken).toBe(second.refreshToken);
    // Only the immediately previous token: once the successor is spent, the grace is gone.
    const third = (
      await request(t.server)
        .post('/auth/token/refresh')
        .send({ refreshToken: second.refreshToken })
        .expect(200)
    ).body;
    await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: first.refreshToken })
      .expect(401);
    // Older than the previous token: reuse, within the window too; the family is revoked now.
    await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: third.refreshToken })
      .expect(401);
    clock.advanceSeconds(6);
    await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: first.refreshToken })
      .expect(401);
    await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: third.refreshToken })
      .expect(401); // family revoked
  });

  it('gives every one of 10 parallel duplicates of the current token the same successor', async () => {
    await request(t.server)
      .post('/auth/register')
      .send({ email: 'grace-parallel@example.com', password })
      .expect(201);
    const first = (
      await request(t.server)
        .post('/auth/token')
        .send({ email: 'grace-parallel@example.com', password })
        .expect(200)
    ).body;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(t.server).post('/auth/token/refresh').send({ refreshToken: first.refreshToken }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => r.body.refreshToken as string)).size).toBe(1);
    await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: results[0].body.refreshToken })
      .expect(200);
  });

  it('refuses the successor to a duplicate within the window once the user is deactivated', async () => {
    await request(t.server)
      .post('/auth/register')
      .send({ email: 'grace-deactivated@example.com', password })
      .expect(201);
    const first = (
      await request(t.server)
        .post('/auth/token')
        .send({ email: 'grace-deactivated@example.com', password })
        .expect(200)
    ).body;
    await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: first.refreshToken })
      .expect(200);
    const users = t.app.get(UsersService);
    await users.deactivate((await users.findByEmail('grace-deactivated@example.com'))!.id);
    await request(t.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: first.refreshToken })
      .expect(401);
  });
});
