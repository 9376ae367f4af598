import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { totpCode } from '../../src/testing/index.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import {
  createTestSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
} from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const password = 'correct horse battery staple';

/** `name=value` of the pending MFA cookie a response sets, if any. */
function pendingCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = ([] as string[]).concat((res.headers['set-cookie'] as string[]) ?? []);
  return cookies.find((c) => /^(__Host-)?mfa=[^;]/.test(c))?.split(';')[0];
}

describe.each(ADAPTERS)('Multi-factor authentication on %s', (adapter) => {
  let t: TestApp;
  let schema: { schema: string; drop: () => Promise<void> };
  const prefix = `${uniqueName('warden_mfa')}:`;
  const clock = new FakeClock(Date.now());
  const others: TestApp[] = [];
  let n = 0;

  const start = (env: Record<string, string> = {}) =>
    startTestApp(adapter, { REDIS_KEY_PREFIX: prefix, ...env }, { clock, schema: schema.schema });

  beforeAll(async () => {
    schema = await createTestSchema();
    t = await start();
  });
  afterAll(async () => {
    for (const other of others) await other.close();
    await t?.close();
    await schema?.drop();
  });

  /** The code an authenticator app shows now (or `steps` steps away). */
  const code = (secret: string, steps = 0) => totpCode(secret, clock.now() + steps * 30_000);
  /** Moves to the next 30-second step, so that a fresh code is not a replay of the last one. */
  const nextStep = () => clock.advanceSeconds(30);

  const register = async (app = t) => {
    const email = `mfa-${adapter}-${n++}@example.com`;
    await request(app.server).post('/auth/register').send({ email, password }).expect(201);
    return email;
  };
  const login = async (email: string, app = t) => {
    const res = await request(app.server).post('/auth/login').send({ email, password });
    expect(res.status).toBe(200);
    return { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
  };
  const as = (s: { cookie: string; csrf: string }, path: string, app = t) =>
    request(app.server).post(path).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf);

  /** A user with MFA on: its email, TOTP secret, recovery codes and current cookie session. */
  const enrolled = async (app = t) => {
    const email = await register(app);
    let s = await login(email, app);
    const setup = await as(s, '/auth/mfa/totp/setup', app).expect(200);
    const secret = setup.body.secret as string;
    const confirm = await as(s, '/auth/mfa/totp/confirm', app)
      .send({ code: code(secret) })
      .expect(200);
    s = { ...s, cookie: sessionCookie(confirm)! };
    nextStep();
    return { email, secret, recoveryCodes: confirm.body.recoveryCodes as string[], session: s };
  };

  /** Password step: the pending cookie. */
  const pending = async (email: string, app = t) => {
    const res = await request(app.server).post('/auth/login').send({ email, password }).expect(200);
    expect(res.body).toEqual({ mfaRequired: true });
    expect(sessionCookie(res)).toBeUndefined();
    return pendingCookie(res)!;
  };
  const mfaStep = (cookie: string, body: object, app = t) =>
    request(app.server).post('/auth/login/mfa').set('Cookie', cookie).send(body);

  describe('enrolment', () => {
    it('sets up with a secret and QR code, refuses a wrong code, confirms a right one', async () => {
      const email = await register();
      const other = await login(email); // another session, which enrolment ends
      let s = await login(email);
      const setup = await as(s, '/auth/mfa/totp/setup').expect(200);
      expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]+.*/);
      expect(setup.body.qrCodeSvg).toContain('<svg');
      const secret = setup.body.secret as string;

      const wrong = await as(s, '/auth/mfa/totp/confirm').send({
        code: '000000' === code(secret) ? '111111' : '000000',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('MFA_INVALID');
      const confirm = await as(s, '/auth/mfa/totp/confirm')
        .send({ code: code(secret) })
        .expect(200);
      expect(confirm.body.recoveryCodes).toHaveLength(10);
      expect(new Set(confirm.body.recoveryCodes).size).toBe(10);
      const rotated = sessionCookie(confirm)!;
      expect(rotated).not.toBe(s.cookie);
      await request(t.server).get('/auth/me').set('Cookie', s.cookie).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', other.cookie).expect(401);
      s = { ...s, cookie: rotated };
      const me = await request(t.server).get('/auth/me').set('Cookie', s.cookie).expect(200);
      expect(me.body.mfaEnabled).toBe(true);
      expect(JSON.stringify(me.body)).not.toContain(secret);
    });

    it('refuses a new setup while MFA is on: replacing the factor needs the factor', async () => {
      const { session } = await enrolled();
      const res = await as(session, '/auth/mfa/totp/setup').expect(409);
      expect(res.body.code).toBe('MFA_ALREADY_ENABLED');
    });

    it('needs recent auth to set up, and a code step-up counts as recent', async () => {
      const { secret, session } = await enrolled();
      clock.advanceSeconds(301);
      const stale = await as(session, '/auth/mfa/recovery-codes').expect(403);
      expect(stale.body.code).toBe('REAUTH_REQUIRED');
      const badCode = await as(session, '/auth/reauth').send({ code: '12345' });
      expect(badCode.status).toBe(401);
      expect(badCode.body.code).toBe('MFA_INVALID');
      const step = await as(session, '/auth/reauth')
        .send({ code: code(secret) })
        .expect(204);
      const s = { ...session, cookie: sessionCookie(step)! };
      await as(s, '/auth/mfa/recovery-codes').expect(200);
      await as(s, '/auth/reauth')
        .send({ password, code: code(secret) })
        .expect(400);
    });
  });

  describe('the MFA step of a cookie login', () => {
    it('gives a pending cookie that authenticates nothing, then a NEW session for the code', async () => {
      const { email, secret } = await enrolled();
      const cookie = await pending(email);
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(401);
      const res = await mfaStep(cookie, { code: code(secret) }).expect(200);
      expect(res.body.user).toMatchObject({ email, mfaEnabled: true });
      expect(res.body.csrfToken).toEqual(expect.any(String));
      const set = ([] as string[]).concat(res.headers['set-cookie'] as unknown as string[]);
      expect(set.some((c) => /^mfa=;.*Max-Age=0/.test(c))).toBe(true);
      await request(t.server).get('/auth/me').set('Cookie', sessionCookie(res)!).expect(200);
      // The pending login is spent: not even a fresh code completes it again.
      nextStep();
      await mfaStep(cookie, { code: code(secret) }).expect(401);
    });

    it('ends the pending login at its 5th wrong code, and counts wrong codes on the account', async () => {
      const { email, secret } = await enrolled();
      const cookie = await pending(email);
      for (let i = 0; i < 5; i++) {
        const res = await mfaStep(cookie, { code: '000000' });
        expect(res.status).toBe(res.body.code === 'MFA_INVALID' ? 401 : 429);
      }
      const after = await mfaStep(cookie, { code: code(secret) });
      expect([401, 429]).toContain(after.status);
      expect(sessionCookie(after)).toBeUndefined();
    });

    it('counts wrong codes of a new client on the account: the password step is no success', async () => {
      const proxied = await start({ TRUST_PROXY: '1' });
      others.push(proxied);
      const { email } = await enrolled(proxied);
      const from = (ip: string) => ({ 'X-Forwarded-For': ip });
      const statuses: number[] = [];
      // Someone with the password, from another network, guessing codes through fresh pending
      // logins: the account's limit (5) stops it, long before the IP's (50).
      for (let round = 0; round < 4 && !statuses.includes(429); round++) {
        const step = await request(proxied.server)
          .post('/auth/login')
          .set(from('198.51.100.9'))
          .send({ email, password });
        if (step.status === 429) {
          statuses.push(429);
          break;
        }
        for (let i = 0; i < 3; i++) {
          const res = await request(proxied.server)
            .post('/auth/login/mfa')
            .set(from('198.51.100.9'))
            .set('Cookie', pendingCookie(step)!)
            .send({ code: '000000' });
          statuses.push(res.status);
        }
      }
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    });

    it('refuses a replayed code, also on another instance, and accepts ±1 step but not ±2', async () => {
      const b = await start();
      others.push(b);
      const { email, secret } = await enrolled();
      const used = code(secret);
      await mfaStep(await pending(email), { code: used }).expect(200);
      const replay = await mfaStep(await pending(email, b), { code: used }, b);
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('MFA_INVALID');

      // The step before now, not the one just used.
      nextStep();
      nextStep();
      await mfaStep(await pending(email), { code: code(secret, -1) }).expect(200);
      nextStep();
      nextStep();
      await mfaStep(await pending(email), { code: code(secret, 1) }).expect(200);
      nextStep();
      nextStep();
      for (const far of [-2, 2]) {
        await mfaStep(await pending(email), { code: code(secret, far) }).expect(401);
      }
    });

    it('takes a recovery code once, and a regenerated set kills the old one', async () => {
      const { email, recoveryCodes, session, secret } = await enrolled();
      const [first, second] = recoveryCodes;
      await mfaStep(await pending(email), { recoveryCode: first!.toUpperCase() }).expect(200);
      await mfaStep(await pending(email), { recoveryCode: first }).expect(401);

      const step = await as(session, '/auth/reauth')
        .send({ code: code(secret) })
        .expect(204);
      const s = { ...session, cookie: sessionCookie(step)! };
      const fresh = await as(s, '/auth/mfa/recovery-codes').expect(200);
      expect(fresh.body.recoveryCodes).toHaveLength(10);
      await mfaStep(await pending(email), { recoveryCode: second }).expect(401);
      await mfaStep(await pending(email), { recoveryCode: fresh.body.recoveryCodes[0] }).expect(
        200,
      );
    });

    it('wants exactly one of code and recoveryCode, and a pending cookie from the same client', async () => {
      const { email, secret } = await enrolled();
      const cookie = await pending(email);
      await mfaStep(cookie, {}).expect(400);
      await mfaStep(cookie, { code: code(secret), recoveryCode: 'abcd-efgh-ijkl-mnop' }).expect(
        400,
      );
      await request(t.server)
        .post('/auth/login/mfa')
        .set('Cookie', cookie)
        .set('User-Agent', 'another browser')
        .send({ code: code(secret) })
        .expect(401);
      await mfaStep(`mfa=${'x'.repeat(60)}`, { code: code(secret) }).expect(401);
      clock.advanceSeconds(301);
      await mfaStep(cookie, { code: code(secret) }).expect(401); // expired
    });
  });

  describe('the MFA step of a token login', () => {
    it('answers mfaRequired with an mfaToken and no pair, then the pair for a code', async () => {
      const { email, secret } = await enrolled();
      const first = await request(t.server)
        .post('/auth/token')
        .send({ email, password })
        .expect(200);
      expect(first.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
      const pair = await request(t.server)
        .post('/auth/token/mfa')
        .send({ mfaToken: first.body.mfaToken, code: code(secret) })
        .expect(200);
      expect(pair.body).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) });
      await request(t.server)
        .get('/auth/me')
        .set('Authorization', `Bearer ${pair.body.accessToken as string}`)
        .expect(200);
      // The mfaToken is no cookie: the cookie route refuses it and vice versa.
      nextStep();
      await mfaStep(`mfa=${first.body.mfaToken as string}`, { code: code(secret) }).expect(401);
    });
  });

  describe('disable', () => {
    it('turns MFA off with a code (recent auth), ends the other sessions, logins are direct again', async () => {
      const { email, secret, session } = await enrolled();
      const other = await request(t.server)
        .post('/auth/login/mfa')
        .set('Cookie', await pending(email))
        .send({ code: code(secret) })
        .expect(200);
      nextStep();
      const off = await as(session, '/auth/mfa/disable')
        .send({ code: code(secret) })
        .expect(204);
      await request(t.server).get('/auth/me').set('Cookie', sessionCookie(other)!).expect(401);
      const me = await request(t.server)
        .get('/auth/me')
        .set('Cookie', sessionCookie(off)!)
        .expect(200);
      expect(me.body.mfaEnabled).toBe(false);
      await login(email);
    });
  });

  describe('secrets', () => {
    it('keeps the secret out of every later answer, every event and the database in the clear', async () => {
      const events: string[] = [];
      t.app
        .get(EventEmitter2)
        .onAny((_: string | string[], event: unknown) => events.push(JSON.stringify(event)));
      const { email, secret, recoveryCodes } = await enrolled();
      const cookie = await pending(email);
      const done = await mfaStep(cookie, { code: code(secret) }).expect(200);
      const db = new DataSource({
        type: 'postgres',
        url: TEST_DATABASE_URL,
        schema: schema.schema,
      });
      await db.initialize();
      try {
        const rows = JSON.stringify(await db.query(`SELECT * FROM "${schema.schema}".warden_mfa`));
        const codes = JSON.stringify(
          await db.query(`SELECT * FROM "${schema.schema}".warden_recovery_codes`),
        );
        for (const text of [rows, codes, events.join('\n'), JSON.stringify(done.body)]) {
          expect(text).not.toContain(secret);
          for (const recovery of recoveryCodes) expect(text).not.toContain(recovery);
        }
      } finally {
        await db.destroy();
      }
      expect(events.some((e) => e.includes('warden.mfa.enrolled'))).toBe(true);
    });

    it('still reads secrets under an old key after a new one is prepended; new ones use the new key', async () => {
      const oldKey = 'old-mfa-key-0123456789abcdefghijklmnopqrstuv';
      const newKey = 'new-mfa-key-0123456789abcdefghijklmnopqrstuv';
      const before = await start({ MFA_ENCRYPTION_KEYS: oldKey });
      others.push(before);
      const early = await enrolled(before);
      const after = await start({ MFA_ENCRYPTION_KEYS: `${newKey},${oldKey}` });
      others.push(after);
      await mfaStep(await pending(early.email, after), { code: code(early.secret) }, after).expect(
        200,
      );
      const late = await enrolled(after);
      const db = new DataSource({
        type: 'postgres',
        url: TEST_DATABASE_URL,
        schema: schema.schema,
      });
      await db.initialize();
      try {
        const keyId = async (email: string) => {
          const [row] = await db.query(
            `SELECT m.totp_secret FROM "${schema.schema}".warden_mfa m
             JOIN "${schema.schema}".warden_users u ON u.id::text = m.user_id WHERE u.email = $1`,
            [email],
          );
          return String(row.totp_secret).split('.')[1];
        };
        expect(await keyId(late.email)).not.toBe(await keyId(early.email));
      } finally {
        await db.destroy();
      }
    });
  });
});

describe.each(ADAPTERS)('The MFA step with Redis down on %s', (adapter) => {
  let proxy: TcpProxy;
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    let proxiedUrl: string;
    ({ proxy, url: proxiedUrl } = await TcpProxy.inFrontOf(TEST_REDIS_URL));
    t = await startTestApp(adapter, { REDIS_URL: proxiedUrl }, { clock });
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.close();
    await proxy?.stop();
  });

  it('answers 503, never a session', async () => {
    const email = `mfa-down-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const login = await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    const s = { cookie: sessionCookie(login)!, csrf: login.body.csrfToken as string };
    const setup = await request(t.server)
      .post('/auth/mfa/totp/setup')
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', s.csrf)
      .expect(200);
    const secret = setup.body.secret as string;
    await request(t.server)
      .post('/auth/mfa/totp/confirm')
      .set('Cookie', s.cookie)
      .set('X-CSRF-Token', s.csrf)
      .send({ code: totpCode(secret, clock.now()) })
      .expect(200);
    clock.advanceSeconds(30);
    const passwordStep = await request(t.server)
      .post('/auth/login')
      .send({ email, password })
      .expect(200);
    const cookie = pendingCookie(passwordStep)!;
    proxy.cutAll();
    const res = await request(t.server)
      .post('/auth/login/mfa')
      .set('Cookie', cookie)
      .send({ code: totpCode(secret, clock.now()) });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(sessionCookie(res)).toBeUndefined();
  });
});
