import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { totpCode } from '../mfa/totp.js';
import { UsersService } from '../users/users.service.js';

/** What {@link loginForTest} gives back, ready for supertest's `.set()`. */
export interface TestLogin {
  /** `sid=…` (or `__Host-sid=…`), the value for a `Cookie` header. */
  cookie: string;
  csrfToken: string;
  /** `{ Cookie, 'X-CSRF-Token' }`: `request(server).post('/x').set(login.headers)`. */
  headers: { Cookie: string; 'X-CSRF-Token': string };
  userId: string;
}

/**
 * For a host app's own e2e tests: makes sure the user exists (created through `UsersService`
 * with `roles`, when missing), logs in over real HTTP through `POST /auth/login` (and, for a
 * user with MFA, `POST /auth/login/mfa` with a code computed from `totpSecret`), and returns
 * the session cookie and CSRF token. The app must be initialised; it is made to listen on a
 * loopback port if it is not listening yet.
 *
 * ```ts
 * const alice = await loginForTest(app, { email: 'alice@example.com', password: 'a long passphrase' });
 * await request(app.getHttpServer()).post('/projects').set(alice.headers).send({ name: 'x' }).expect(201);
 * ```
 */
export async function loginForTest(
  app: INestApplication,
  user: {
    email: string;
    password: string;
    roles?: string[];
    /** For a user with MFA: the TOTP secret of its setup; the MFA step is completed with it. */
    totpSecret?: string;
    /** Where the code's time comes from (your `FakeClock`). @default Date.now */
    now?: () => number;
  },
): Promise<TestLogin> {
  const users = app.get(UsersService);
  if (!(await users.findByEmail(user.email))) {
    await users.register({ email: user.email, password: user.password, roles: user.roles });
  }
  const server = app.getHttpServer();
  if (!server.listening) await app.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  const post = (path: string, body: object, cookie?: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  let response = await post('/auth/login', { email: user.email, password: user.password });
  if (response.status !== 200) {
    throw new Error(`loginForTest: POST /auth/login answered ${response.status}`);
  }
  if (((await response.clone().json()) as { mfaRequired?: boolean }).mfaRequired) {
    if (!user.totpSecret) {
      throw new Error('loginForTest: the user has MFA on: pass totpSecret (from the setup answer)');
    }
    const pending = response.headers.getSetCookie().find((c) => /^(__Host-)?mfa=/.test(c));
    const code = totpCode(user.totpSecret, (user.now ?? Date.now)());
    response = await post('/auth/login/mfa', { code }, pending?.split(';')[0]);
    if (response.status !== 200) {
      throw new Error(`loginForTest: POST /auth/login/mfa answered ${response.status}`);
    }
  }
  const body = (await response.json()) as { csrfToken: string; user: { id: string } };
  const setCookie = response.headers.getSetCookie().find((c) => /^(__Host-)?sid=/.test(c));
  if (!setCookie) throw new Error('loginForTest: no session cookie in the login response');
  const cookie = setCookie.split(';')[0];
  return {
    cookie,
    csrfToken: body.csrfToken,
    headers: { Cookie: cookie, 'X-CSRF-Token': body.csrfToken },
    userId: body.user.id,
  };
}
