import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import request from 'supertest';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp } from '../support/app.js';
import { SmtpSink } from '../support/smtp-sink.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('The example app pages mail links open, on %s', (adapter) => {
  let t: TestApp;
  let sink: SmtpSink;
  let base: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    // APP_URL is set once the port is known: links must point at this very server.
    t = await startTestApp(adapter, { SMTP_URL: sink.url, APP_URL: 'http://127.0.0.1:1' });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('resets a password from the link in a real browser, the token gone from the address bar', async () => {
    const email = `page-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    await request(t.server).post('/auth/password/forgot').send({ email }).expect(202);
    const mail = await sink.waitFor((m) => m.to.includes(email) && /Reset your/.test(m.subject));
    const path = /\/reset-password\?token=[A-Za-z0-9_-]+/.exec(mail.text)![0];

    const page = await request(t.server).get('/reset-password').expect(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    try {
      const tab = await browser.newPage();
      await tab.goto(`${base}${path}`);
      expect(tab.url()).toBe(`${base}/reset-password`);
      await tab.fill('input[name=newPassword]', 'a browser chosen passphrase');
      await tab.click('button[type=submit]');
      await tab.locator('[role=status]', { hasText: 'Done.' }).waitFor();
    } finally {
      await browser.close();
    }
    await request(t.server)
      .post('/auth/login')
      .send({ email, password: 'a browser chosen passphrase' })
      .expect(200);
  });
});
