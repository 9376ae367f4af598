import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { hashAccountToken } from '../../src/account/account-tokens.js';
import { MailOutbox } from '../../src/mail/mail-outbox.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import { createTestSchema, TEST_DATABASE_URL, uniqueName } from '../support/services.js';
import type { ReceivedMail } from '../support/smtp-sink.js';
import { SmtpSink } from '../support/smtp-sink.js';

const password = 'correct horse battery staple';

const tokenIn = (mail: ReceivedMail) => /\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];

describe.each(ADAPTERS)('Mail delivery on %s', (adapter) => {
  let sink: SmtpSink;
  let schema: { schema: string; drop: () => Promise<void> };
  const clock = new FakeClock(Date.now());
  const prefix = `${uniqueName('warden_mail')}:`;
  const apps: TestApp[] = [];
  let n = 0;

  /** An instance of the app on the suite's shared schema and Redis prefix. */
  const start = async (env: Record<string, string> = {}) => {
    const t = await startTestApp(
      adapter,
      { SMTP_URL: sink.url, REDIS_KEY_PREFIX: prefix, ...env },
      { clock, schema: schema.schema },
    );
    apps.push(t);
    return t;
  };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    schema = await createTestSchema();
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    await sink?.stop();
    await schema?.drop();
  });

  const register = async (t: TestApp) => {
    const email = `mail-${adapter}-${n++}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    return email;
  };
  /**
   * Every instance of the suite sends what is due, and the sends in flight finish: the apps of
   * earlier tests still run workers on the shared outbox, and a job one of them holds is sent by
   * it, not by the instance a test drains.
   */
  const drainAll = () => Promise.all(apps.map((t) => t.app.get(MailOutbox).drain()));
  const mailsTo = (email: string, subject: RegExp) =>
    sink.messages.filter((m) => m.to.includes(email) && subject.test(m.subject));

  // First in the suite: no other instance runs a worker on the outbox yet.
  it('sends what an instance queued before it stopped, from the instance started after it', async () => {
    const first = await start();
    const email = await register(first);
    sink.refuse(true);
    await request(first.server).post('/auth/password/forgot').send({ email }).expect(202);
    await drainAll();
    await first.app.close(); // the app stops with the mail still queued
    apps.splice(apps.indexOf(first), 1);

    sink.refuse(false);
    clock.advanceSeconds(3600);
    const second = await start();
    await drainAll();
    expect(mailsTo(email, /Reset your/)).toHaveLength(1);
    const token = tokenIn(mailsTo(email, /Reset your/)[0]!);
    await request(second.server)
      .post('/auth/password/reset')
      .send({ token, newPassword: 'after the restart passphrase' })
      .expect(204);
  });

  it('keeps forgot fast while SMTP is down and delivers once when it is back', async () => {
    const t = await start();
    const email = await register(t);
    sink.refuse(true);
    const started = performance.now();
    await request(t.server).post('/auth/password/forgot').send({ email }).expect(202);
    expect(performance.now() - started).toBeLessThan(2000); // no SMTP on the request path
    await drainAll();
    expect(mailsTo(email, /Reset your/)).toEqual([]);
    expect(sink.refusedCount).toBeGreaterThan(0);

    sink.refuse(false);
    clock.advanceSeconds(3600);
    await drainAll();
    await drainAll();
    expect(mailsTo(email, /Reset your/)).toHaveLength(1);
  });

  it('never sends one mail twice from two instances draining at once', async () => {
    const [a, b] = [await start(), await start()];
    sink.refuse(true);
    const emails = [];
    for (let i = 0; i < 10; i++) emails.push(await register(i % 2 ? a : b));
    for (const email of emails) {
      await request(a.server).post('/auth/password/forgot').send({ email }).expect(202);
    }
    // Every first attempt refused and settled before the clock jumps: a send still in flight
    // when a lease runs out may be repeated (at least once), which is not what this test is about.
    await drainAll();
    sink.refuse(false);
    clock.advanceSeconds(3600);
    await Promise.all([a, b, a, b].map((t) => t.app.get(MailOutbox).drain()));
    await drainAll();
    for (const email of emails) {
      expect(mailsTo(email, /Reset your/)).toHaveLength(1);
      expect(mailsTo(email, /Confirm your email/)).toHaveLength(1);
    }
  });

  it('puts no password, token or token hash in a mail, an event or the outbox', async () => {
    const t = await start();
    const events: string[] = [];
    const emitter = t.app.get(EventEmitter2);
    const listener = (event: unknown) => events.push(JSON.stringify(event));
    emitter.onAny((_name: string | string[], event: unknown) => listener(event));
    const email = await register(t);
    await request(t.server).post('/auth/password/forgot').send({ email }).expect(202);
    await drainAll();
    const mail = mailsTo(email, /Reset your/).at(-1)!;
    const token = tokenIn(mail)!;
    await request(t.server)
      .post('/auth/password/reset')
      .send({ token, newPassword: 'secret new passphrase here' })
      .expect(204);
    await drainAll();

    const db = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, schema: schema.schema });
    await db.initialize();
    try {
      const outbox = JSON.stringify(
        await db.query(`SELECT * FROM "${schema.schema}".warden_mail_outbox`),
      );
      const tokens = JSON.stringify(
        await db.query(`SELECT * FROM "${schema.schema}".warden_account_tokens`),
      );
      for (const text of [outbox, tokens, events.join('\n')]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(password);
        expect(text).not.toContain('secret new passphrase here');
      }
      for (const text of [outbox, events.join('\n'), ...sink.messages.map((m) => m.text)]) {
        expect(text).not.toContain(hashAccountToken(token));
      }
    } finally {
      await db.destroy();
    }
    for (const m of sink.messages) expect(m.text).not.toContain(password);
    expect(events.some((e) => e.includes('warden.password.reset'))).toBe(true);
  });

  describe('with EMAIL_VERIFICATION=required', () => {
    it('answers a new and a taken address alike; the owner hears of it; unverified cannot log in', async () => {
      const t = await start({ EMAIL_VERIFICATION: 'required' });
      const email = `strict-${adapter}-${n++}@example.com`;
      const fresh = await request(t.server).post('/auth/register').send({ email, password });
      const taken = await request(t.server)
        .post('/auth/register')
        .send({ email, password: 'another passphrase entirely' });
      for (const res of [fresh, taken]) {
        expect(res.status).toBe(202);
        expect(res.body).toEqual({});
      }
      await drainAll();
      expect(mailsTo(email, /Confirm your email/)).toHaveLength(1);
      const notice = mailsTo(email, /tried to sign up/);
      expect(notice).toHaveLength(1);
      expect(notice[0]!.text).not.toContain('another passphrase entirely');

      const refused = await request(t.server).post('/auth/login').send({ email, password });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('EMAIL_NOT_VERIFIED');
      expect(sessionCookie(refused)).toBeUndefined();
      await request(t.server).post('/auth/token').send({ email, password }).expect(403);
      // The wrong password still gets the usual 401: 403 only answers a right one.
      await request(t.server)
        .post('/auth/login')
        .send({ email, password: 'not the password' })
        .expect(401);

      // However many times one tries: a few notices per window, never an inbox flood.
      for (let i = 0; i < 8; i++) {
        await request(t.server).post('/auth/register').send({ email, password }).expect(202);
      }
      await drainAll();
      expect(mailsTo(email, /tried to sign up/).length).toBeLessThanOrEqual(5);

      // The link in the notice works too (fresh, for a still unverified owner).
      await request(t.server)
        .post('/auth/email/verify')
        .send({ token: tokenIn(notice[0]!) })
        .expect(204);
      await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    });
  });

  it('throttles forgot per client IP, 50 a window', async () => {
    const t = await start({ TRUST_PROXY: '1' });
    const forgot = (i: number) =>
      request(t.server)
        .post('/auth/password/forgot')
        .set('X-Forwarded-For', '192.0.2.50')
        .send({ email: `ip-limit-${adapter}-${i}@example.com` });
    for (let i = 0; i < 50; i++) expect((await forgot(i)).status).toBe(202);
    const refused = await forgot(50);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
  });

  describe('notices', () => {
    it('tells the owner of a sign-in from a new client, not of the first one or a known one', async () => {
      const t = await start({ TRUST_PROXY: '1' });
      const email = await register(t);
      const from = (ip: string) =>
        request(t.server)
          .post('/auth/login')
          .set('X-Forwarded-For', ip)
          .set('User-Agent', 'NoticeTest/1.0')
          .send({ email, password })
          .expect(200);
      await from('203.0.113.1');
      await from('203.0.113.1');
      await from('198.51.100.7');
      await drainAll();
      const notices = mailsTo(email, /New sign-in/);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.text).toContain('198.51.100.7');
      expect(notices[0]!.text).toContain('NoticeTest/1.0');
      expect(notices[0]!.text).not.toMatch(/token=/);
    });

    it('tells the owner of a password change', async () => {
      const t = await start();
      const email = await register(t);
      const login = await request(t.server).post('/auth/login').send({ email, password });
      await request(t.server)
        .post('/auth/password')
        .set('Cookie', sessionCookie(login)!)
        .set('X-CSRF-Token', login.body.csrfToken as string)
        .send({ currentPassword: password, newPassword: 'a changed passphrase here' })
        .expect(204);
      await drainAll();
      const [notice] = mailsTo(email, /password was changed/);
      expect(notice?.text).not.toContain('a changed passphrase here');
    });
  });
});
