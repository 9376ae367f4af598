import request from 'supertest';
import { MailOutbox } from '../../src/mail/mail-outbox.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import type { ReceivedMail } from '../support/smtp-sink.js';
import { SmtpSink } from '../support/smtp-sink.js';

const password = 'correct horse battery staple';
const APP_URL = 'https://app.example.test';

/** The token of the link `<APP_URL><path>?token=…` in a mail's text and HTML. */
function linkToken(mail: ReceivedMail, path: string): string {
  const escaped = `${APP_URL}${path}`.replace(/[.?]/g, '\\$&');
  const match = new RegExp(`${escaped}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in: ${mail.subject}`);
  expect(mail.html).toContain(match[0]);
  return match[1]!;
}

describe.each(ADAPTERS)('Account lifecycle over SMTP on %s', (adapter) => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new FakeClock(Date.now());
  let n = 0;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp(adapter, { SMTP_URL: sink.url, APP_URL }, { clock });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const mailTo = (email: string, subject: RegExp) =>
    sink.waitFor((m) => m.to.includes(email) && subject.test(m.subject));
  const mailsTo = (email: string) => sink.messages.filter((m) => m.to.includes(email));
  /** Every queued mail sent: what has not arrived by now never will. */
  const delivered = () => t.app.get(MailOutbox).drain();

  const register = async () => {
    const email = `life-${adapter}-${n++}@example.com`;
    const res = await request(t.server).post('/auth/register').send({ email, password });
    expect(res.status).toBe(201);
    return email;
  };
  const login = async (email: string, pw = password) => {
    const res = await request(t.server).post('/auth/login').send({ email, password: pw });
    expect(res.status).toBe(200);
    return { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
  };
  const me = (cookie: string) => request(t.server).get('/auth/me').set('Cookie', cookie);
  const post = (path: string, body: object) => request(t.server).post(path).send(body);
  const resetLink = async (email: string) => {
    await post('/auth/password/forgot', { email }).expect(202, {});
    return linkToken(await mailTo(email, /Reset your/), '/reset-password');
  };

  describe('email verification', () => {
    it('mails a link on registration that verifies the address once', async () => {
      const email = await register();
      const token = linkToken(await mailTo(email, /Confirm your email/), '/verify-email');
      const s = await login(email);
      expect((await me(s.cookie).expect(200)).body.emailVerified).toBe(false);

      await post('/auth/email/verify', { token }).expect(204);
      expect((await me(s.cookie).expect(200)).body.emailVerified).toBe(true);
      const reused = await post('/auth/email/verify', { token }).expect(400);
      expect(reused.body).toMatchObject({ code: 'TOKEN_INVALID' });
    });

    it('refuses unknown, malformed and expired tokens alike', async () => {
      for (const token of ['x'.repeat(43), 'not a token', 'A'.repeat(200)]) {
        const res = await post('/auth/email/verify', { token }).expect(400);
        expect(res.body).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: 'Invalid or expired token',
          code: 'TOKEN_INVALID',
        });
      }
      const email = await register();
      const token = linkToken(await mailTo(email, /Confirm your email/), '/verify-email');
      clock.advanceSeconds(86_401);
      await post('/auth/email/verify', { token }).expect(400);
    });

    it('resends while unverified, at most once a minute', async () => {
      const email = await register();
      await mailTo(email, /Confirm your email/);
      const s = await login(email);
      const resend = () =>
        request(t.server)
          .post('/auth/email/verify/resend')
          .set('Cookie', s.cookie)
          .set('X-CSRF-Token', s.csrf);
      await resend().expect(202, {});
      await sink.waitFor(() => mailsTo(email).length === 2);
      const again = await resend().expect(429);
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
      clock.advanceSeconds(61);
      await resend().expect(202);
    });
  });

  describe('password reset', () => {
    it('sets a new password once; every session and refresh token of the user ends', async () => {
      const email = await register();
      const s = await login(email);
      const pair = await post('/auth/token', { email, password }).expect(200);
      const token = await resetLink(email);

      await post('/auth/password/reset', { token, newPassword: 'a totally new passphrase' }).expect(
        204,
      );
      await me(s.cookie).expect(401);
      await post('/auth/token/refresh', { refreshToken: pair.body.refreshToken }).expect(401);
      await request(t.server)
        .get('/auth/me')
        .set('Authorization', `Bearer ${pair.body.accessToken as string}`)
        .expect(401);
      await post('/auth/login', { email, password }).expect(401);
      const fresh = await login(email, 'a totally new passphrase');
      // The mail proved the address.
      expect((await me(fresh.cookie)).body.emailVerified).toBe(true);
      await post('/auth/password/reset', { token, newPassword: 'yet another passphrase' }).expect(
        400,
      );
      const notice = await mailTo(email, /password was changed/);
      expect(notice.text).not.toContain('a totally new passphrase');
    });

    it('leaves the token unspent when the new password breaks the policy', async () => {
      const email = await register();
      const token = await resetLink(email);
      const weak = await post('/auth/password/reset', { token, newPassword: 'short' }).expect(400);
      expect(weak.body.code).toBe('PASSWORD_POLICY');
      await post('/auth/password/reset', { token, newPassword: 'a sturdy new passphrase' }).expect(
        204,
      );
    });

    it('answers an unknown email exactly like a known one, and mails nothing', async () => {
      const known = await register();
      const unknown = `nobody-${adapter}@example.com`;
      const [a, b] = [
        await post('/auth/password/forgot', { email: known }),
        await post('/auth/password/forgot', { email: unknown }),
      ];
      const shape = (res: request.Response) => ({
        status: res.status,
        body: res.body as unknown,
        text: res.text,
        headers: Object.keys(res.headers)
          .filter((name) => !['date', 'etag', 'x-request-id'].includes(name))
          .sort()
          .map(
            (name) =>
              `${name}: ${name === 'content-length' ? res.headers[name] : typeof res.headers[name]}`,
          ),
      });
      expect(shape(b)).toEqual(shape(a));
      expect(b.status).toBe(202);
      await delivered();
      expect(mailsTo(unknown)).toEqual([]);
      expect(mailsTo(known).some((m) => /Reset your/.test(m.subject))).toBe(true);
    });

    it('gives exactly one success to ten parallel uses of one token', async () => {
      const email = await register();
      const token = await resetLink(email);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post('/auth/password/reset', { token, newPassword: `parallel passphrase number ${i}` }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 204)).toEqual(Array(9).fill(400));
    });

    it('kills the token after its lifetime, and when the password changed another way', async () => {
      const email = await register();
      const expired = await resetLink(email);
      clock.advanceSeconds(1801);
      await post('/auth/password/reset', {
        token: expired,
        newPassword: 'too late passphrase',
      }).expect(400);

      const token = await resetLink(email);
      const s = await login(email);
      await request(t.server)
        .post('/auth/password')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .send({ currentPassword: password, newPassword: 'changed the usual way' })
        .expect(204);
      await post('/auth/password/reset', { token, newPassword: 'reset after change' }).expect(400);
    });

    it('refuses a token of one purpose on another endpoint', async () => {
      const email = await register();
      const verify = linkToken(await mailTo(email, /Confirm your email/), '/verify-email');
      const reset = await resetLink(email);
      await post('/auth/password/reset', {
        token: verify,
        newPassword: 'cross purpose pass',
      }).expect(400);
      await post('/auth/email/verify', { token: reset }).expect(400);
      await post('/auth/email/change/confirm', { token: reset }).expect(400);
      // Neither was spent by the wrong use.
      await post('/auth/email/verify', { token: verify }).expect(204);
      await post('/auth/password/reset', {
        token: reset,
        newPassword: 'right purpose pass',
      }).expect(204);
    });

    it('throttles forgot per email, known or not, with Retry-After', async () => {
      for (const email of [await register(), `ghost-${adapter}@example.com`]) {
        for (let i = 0; i < 5; i++) await post('/auth/password/forgot', { email }).expect(202);
        const refused = await post('/auth/password/forgot', { email }).expect(429);
        expect(refused.body.code).toBe('TOO_MANY_ATTEMPTS');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      }
    });
  });

  describe('email change', () => {
    it('needs recent auth, confirms at the new address and tells the old one', async () => {
      const email = await register();
      const next = `moved-${adapter}-${n++}@example.com`;
      let s = await login(email);
      clock.advanceSeconds(301);
      const change = () =>
        request(t.server)
          .post('/auth/email/change')
          .set('Cookie', s.cookie)
          .set('X-CSRF-Token', s.csrf)
          .send({ newEmail: next });
      expect((await change().expect(403)).body.code).toBe('REAUTH_REQUIRED');

      const wrong = await request(t.server)
        .post('/auth/reauth')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .send({ password: 'not my password' })
        .expect(401);
      expect(wrong.body.code).toBe('INVALID_PASSWORD');
      const reauth = await request(t.server)
        .post('/auth/reauth')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .send({ password })
        .expect(204);
      const rotated = sessionCookie(reauth)!;
      await me(s.cookie).expect(401); // a step-up moves the session to a new id
      s = { ...s, cookie: rotated };
      await change().expect(202, {});

      const confirm = await mailTo(next, /Confirm your new email/);
      const notice = await mailTo(email, /about to change/);
      expect(notice.text).toContain(next);
      expect(notice.text).not.toMatch(/token=/);
      await post('/auth/email/change/confirm', {
        token: linkToken(confirm, '/confirm-email-change'),
      }).expect(204);
      const user = (await me(s.cookie).expect(200)).body;
      expect(user).toMatchObject({ email: next, emailVerified: true });
      await post('/auth/login', { email, password }).expect(401);
      await login(next);
    });

    it('answers a taken address like a free one: the same notice, nothing to the taken one', async () => {
      const email = await register();
      const taken = await register();
      await delivered();
      const takenBefore = mailsTo(taken).length;
      const s = await login(email);
      await request(t.server)
        .post('/auth/email/change')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .send({ newEmail: taken })
        .expect(202, {});
      await delivered();
      // The requester sees what a free address gives them (the notice), so learns nothing.
      expect(mailsTo(email).filter((m) => /about to change/.test(m.subject))).toHaveLength(1);
      expect(mailsTo(taken)).toHaveLength(takenBefore);
      expect((await me(s.cookie)).body.email).toBe(email);
    });

    it('keeps one confirmation alive: a newer request kills the older link', async () => {
      const email = await register();
      const [typo, right] = [
        `typo-${adapter}-${n++}@example.com`,
        `right-${adapter}-${n++}@example.com`,
      ];
      const s = await login(email);
      for (const newEmail of [typo, right]) {
        await request(t.server)
          .post('/auth/email/change')
          .set('Cookie', s.cookie)
          .set('X-CSRF-Token', s.csrf)
          .send({ newEmail })
          .expect(202);
        await delivered();
      }
      const old = linkToken(await mailTo(typo, /Confirm your new email/), '/confirm-email-change');
      await post('/auth/email/change/confirm', { token: old }).expect(400);
      const fresh = linkToken(
        await mailTo(right, /Confirm your new email/),
        '/confirm-email-change',
      );
      await post('/auth/email/change/confirm', { token: fresh }).expect(204);
    });

    it('kills a pending change when the owner resets or changes the password', async () => {
      for (const how of ['reset', 'change'] as const) {
        const email = await register();
        const next = `hijack-${how}-${adapter}-${n++}@example.com`;
        const s = await login(email);
        await request(t.server)
          .post('/auth/email/change')
          .set('Cookie', s.cookie)
          .set('X-CSRF-Token', s.csrf)
          .send({ newEmail: next })
          .expect(202);
        const token = linkToken(
          await mailTo(next, /Confirm your new email/),
          '/confirm-email-change',
        );
        if (how === 'reset') {
          await post('/auth/password/reset', {
            token: await resetLink(email),
            newPassword: 'owner takes it back passphrase',
          }).expect(204);
        } else {
          await request(t.server)
            .post('/auth/password')
            .set('Cookie', s.cookie)
            .set('X-CSRF-Token', s.csrf)
            .send({ currentPassword: password, newPassword: 'owner takes it back passphrase' })
            .expect(204);
        }
        await post('/auth/email/change/confirm', { token }).expect(400);
        await login(email, 'owner takes it back passphrase');
      }
    });

    it('refuses the cookie routes without X-CSRF-Token', async () => {
      const email = await register();
      const s = await login(email);
      for (const [path, body] of [
        ['/auth/email/verify/resend', {}],
        ['/auth/email/change', { newEmail: `csrf-${adapter}@example.com` }],
        ['/auth/reauth', { password }],
      ] as const) {
        const res = await request(t.server).post(path).set('Cookie', s.cookie).send(body);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 403,
          code: 'CSRF_INVALID',
        });
      }
    });

    it('kills the confirmation when the address was taken meanwhile', async () => {
      const email = await register();
      const next = `contested-${adapter}-${n++}@example.com`;
      const s = await login(email);
      await request(t.server)
        .post('/auth/email/change')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .send({ newEmail: next })
        .expect(202);
      const token = linkToken(
        await mailTo(next, /Confirm your new email/),
        '/confirm-email-change',
      );
      await post('/auth/register', { email: next, password }).expect(201);
      const res = await post('/auth/email/change/confirm', { token }).expect(400);
      expect(res.body.code).toBe('TOKEN_INVALID');
      expect((await me(s.cookie)).body.email).toBe(email);
    });
  });

  describe('bearer clients', () => {
    it('step up with a password and keep their refresh token', async () => {
      const email = await register();
      const pair = await post('/auth/token', { email, password }).expect(200);
      const bearer = `Bearer ${pair.body.accessToken as string}`;
      clock.advanceSeconds(301);
      const change = () =>
        request(t.server)
          .post('/auth/email/change')
          .set('Authorization', bearer)
          .send({ newEmail: `bearer-moved-${adapter}-${n++}@example.com` });
      await change().expect(403);
      await request(t.server)
        .post('/auth/reauth')
        .set('Authorization', bearer)
        .send({ password })
        .expect(204);
      await change().expect(202);
      await post('/auth/token/refresh', { refreshToken: pair.body.refreshToken }).expect(200);
    });
  });
});
