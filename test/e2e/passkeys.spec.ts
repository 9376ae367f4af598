import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import request from 'supertest';
import { totpCode } from '../../src/testing/index.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import { createTestSchema, uniqueName } from '../support/services.js';
import { VirtualAuthenticatorBrowser } from '../support/webauthn-browser.js';

const password = 'correct horse battery staple';

/** A free loopback port: the app's origin must be known before it boots (APP_URL). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `name=value` of the pending MFA cookie a response sets. */
function pendingCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = ([] as string[]).concat((res.headers['set-cookie'] as string[]) ?? []);
  return cookies.find((c) => /^mfa=[^;]/.test(c))?.split(';')[0];
}

describe.each(ADAPTERS)('Passkeys in headless Chromium on %s', (adapter) => {
  let a: TestApp;
  let b: TestApp;
  let browser: VirtualAuthenticatorBrowser;
  let schema: { schema: string; drop: () => Promise<void> };
  const clock = new FakeClock(Date.now());
  const events: string[] = [];
  let n = 0;

  beforeAll(async () => {
    schema = await createTestSchema();
    const port = await freePort();
    const env = {
      APP_URL: `http://localhost:${port}`,
      REDIS_KEY_PREFIX: `${uniqueName('warden_pk')}:`,
    };
    a = await startTestApp(adapter, env, { clock, schema: schema.schema });
    b = await startTestApp(adapter, env, { clock, schema: schema.schema });
    await a.app.listen(port);
    a.app
      .get(EventEmitter2)
      .onAny((_: string | string[], e: unknown) => events.push(JSON.stringify(e)));
    browser = await VirtualAuthenticatorBrowser.start(`http://localhost:${port}`, '/health');
  });
  afterAll(async () => {
    await browser?.close();
    await b?.close();
    await a?.close();
    await schema?.drop();
  });

  const api = (app = a) => request(app.server);
  const signedIn = async (email: string) => {
    const res = await api().post('/auth/login').send({ email, password }).expect(200);
    return { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
  };
  const as = (
    s: { cookie: string; csrf: string },
    method: 'post' | 'get' | 'patch' | 'delete',
    path: string,
  ) => api()[method](path).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf);

  /** A user with one passkey in the browser's authenticator. */
  const withPasskey = async () => {
    const email = `pk-${adapter}-${n++}@example.com`;
    await api().post('/auth/register').send({ email, password }).expect(201);
    const s = await signedIn(email);
    const options = await as(s, 'post', '/auth/passkeys/register/options').expect(200);
    expect(options.body.authenticatorSelection).toMatchObject({ residentKey: 'preferred' });
    const response = await browser.register(options.body);
    const created = await as(s, 'post', '/auth/passkeys/register')
      .send({ response, name: 'Test laptop' })
      .expect(201);
    return { email, session: s, passkeyId: created.body.id as string, credentialId: response.id };
  };
  const loginOptions = async (app = a) =>
    (await api(app).post('/auth/passkeys/login/options').send({}).expect(200)).body as Record<
      string,
      unknown
    >;
  /**
   * The authenticator holds every test user's passkey for this RP: the client narrows the
   * discoverable login to one (what an account chooser does), the challenge stays the server's.
   */
  const assertWith = (credentialId: string, options: Record<string, unknown>, view = browser) =>
    view.authenticate({
      ...options,
      allowCredentials: [{ id: credentialId, type: 'public-key', transports: ['internal'] }],
    });
  const passkeyLogin = (response: unknown, app = a) =>
    api(app).post('/auth/passkeys/login').send({ response });

  it('registers, lists and renames a passkey', async () => {
    const { session, passkeyId } = await withPasskey();
    const list = await as(session, 'get', '/auth/passkeys').expect(200);
    expect(list.body).toEqual([
      { id: passkeyId, name: 'Test laptop', createdAt: expect.any(String), lastUsedAt: null },
    ]);
    await as(session, 'patch', `/auth/passkeys/${passkeyId}`)
      .send({ name: 'Work laptop' })
      .expect(204);
    await as(session, 'patch', '/auth/passkeys/00000000-0000-4000-8000-000000000000')
      .send({ name: 'x' })
      .expect(404);
    expect((await as(session, 'get', '/auth/passkeys')).body[0].name).toBe('Work laptop');
  });

  it('logs in without a password (discoverable credential), on the instance that began it or another', async () => {
    const { email, credentialId } = await withPasskey();
    const onA = await passkeyLogin(await assertWith(credentialId, await loginOptions())).expect(
      200,
    );
    expect(onA.body.user.email).toBe(email);
    await api().get('/auth/me').set('Cookie', sessionCookie(onA)!).expect(200);
    // Begun on A, finished on B.
    const begunOnA = await assertWith(credentialId, await loginOptions(a));
    const onB = await passkeyLogin(begunOnA, b).expect(200);
    expect(onB.body.user.email).toBe(email);
  });

  it('refuses a replayed assertion, another origin and another RP ID', async () => {
    const { credentialId } = await withPasskey();
    const assertion = await assertWith(credentialId, await loginOptions());
    await passkeyLogin(assertion).expect(200);
    const replay = await passkeyLogin(assertion).expect(401);
    expect(replay.body.code).toBe('PASSKEY_INVALID');

    const elsewhere = await browser.withOrigin('http://localhost:1');
    await passkeyLogin(await assertWith(credentialId, await loginOptions(), elsewhere)).expect(401);

    // An assertion for another relying party: authenticatorData starts with its RP ID's hash.
    const fresh = await assertWith(credentialId, await loginOptions());
    const data = Buffer.from(fresh.response.authenticatorData, 'base64url');
    createHash('sha256').update('evil.example').digest().copy(data, 0);
    const foreign: AuthenticationResponseJSON = {
      ...fresh,
      response: { ...fresh.response, authenticatorData: data.toString('base64url') },
    };
    await passkeyLogin(foreign).expect(401);
  });

  it('refuses a deleted passkey (delete needs recent auth)', async () => {
    const { session, passkeyId, credentialId } = await withPasskey();
    clock.advanceSeconds(301);
    const stale = await as(session, 'delete', `/auth/passkeys/${passkeyId}`).expect(403);
    expect(stale.body.code).toBe('REAUTH_REQUIRED');
    const step = await as(session, 'post', '/auth/reauth').send({ password }).expect(204);
    const fresh = { ...session, cookie: sessionCookie(step)! };
    await as(fresh, 'delete', `/auth/passkeys/${passkeyId}`).expect(204);
    await as(fresh, 'delete', `/auth/passkeys/${passkeyId}`).expect(404);
    // The authenticator still holds the credential; the server no longer knows it.
    const gone = await passkeyLogin(await assertWith(credentialId, await loginOptions())).expect(
      401,
    );
    expect(gone.body.code).toBe('PASSKEY_INVALID');
  });

  it('takes a counter that went back for a cloned authenticator: 401 and an event', async () => {
    const { credentialId } = await withPasskey();
    await passkeyLogin(await assertWith(credentialId, await loginOptions())).expect(200);
    await browser.setSignCount(credentialId, 0);
    const cloned = await passkeyLogin(await assertWith(credentialId, await loginOptions())).expect(
      401,
    );
    expect(cloned.body.code).toBe('PASSKEY_INVALID');
    expect(events.some((e) => e.includes('warden.passkey.cloned'))).toBe(true);
  });

  it('serves as the second factor of a password login and as step-up', async () => {
    const { email, session } = await withPasskey();
    const setup = await as(session, 'post', '/auth/mfa/totp/setup').expect(200);
    const confirm = await as(session, 'post', '/auth/mfa/totp/confirm')
      .send({ code: totpCode(setup.body.secret as string, clock.now()) })
      .expect(200);
    let s = { ...session, cookie: sessionCookie(confirm)! };

    const passwordStep = await api().post('/auth/login').send({ email, password }).expect(200);
    expect(passwordStep.body).toEqual({ mfaRequired: true });
    const pending = pendingCookie(passwordStep)!;
    const options = await api()
      .post('/auth/login/mfa/passkey/options')
      .set('Cookie', pending)
      .send({})
      .expect(200);
    expect(options.body.allowCredentials).toHaveLength(1);
    const done = await api()
      .post('/auth/login/mfa')
      .set('Cookie', pending)
      .send({ passkey: await browser.authenticate(options.body) })
      .expect(200);
    expect(done.body.user.email).toBe(email);

    clock.advanceSeconds(301);
    await as(s, 'post', '/auth/mfa/recovery-codes').expect(403);
    const reauthOptions = await as(s, 'post', '/auth/reauth/passkey/options').expect(200);
    const step = await as(s, 'post', '/auth/reauth')
      .send({ passkey: await browser.authenticate(reauthOptions.body) })
      .expect(204);
    s = { ...s, cookie: sessionCookie(step)! };
    await as(s, 'post', '/auth/mfa/recovery-codes').expect(200);
  });

  it('answers bad bytes with 4xx, never a 503', async () => {
    const { session, passkeyId } = await withPasskey();
    const nul = await passkeyLogin({
      id: 'a\u0000b',
      rawId: 'a',
      type: 'public-key',
      response: {},
    });
    expect(nul.status).toBe(401);
    await as(session, 'patch', `/auth/passkeys/${passkeyId}`)
      .send({ name: 'a\u0000b' })
      .expect(400);
    await as(session, 'delete', '/auth/passkeys/a%00b').expect(404);
  });

  it('reports the browser that ran these tests', () => {
    expect(browser.version()).toMatch(/^\d+\./);
  });
});
