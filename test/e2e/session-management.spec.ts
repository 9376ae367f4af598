import request from 'supertest';
import { UsersService } from '../../src/users/users.service.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp, sessionCookie } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';

const password = 'correct horse battery staple';
const adminEmail = 'root-admin@example.com';
const adminPassword = 'an admin passphrase for tests';

describe.each(ADAPTERS)('session management on %s', (adapter) => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp(
      adapter,
      { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword },
      { clock },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  async function login(email: string, pw = password) {
    const res = await request(t.server)
      .post('/auth/login')
      .send({ email, password: pw })
      .expect(200);
    return { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string, user: res.body.user };
  }
  async function newUser() {
    const email = `member${n++}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    return email;
  }

  describe('GET /auth/sessions', () => {
    it("lists the caller's sessions by public handle, marking the current one", async () => {
      const email = await newUser();
      const a = await login(email);
      const b = await login(email);
      const res = await request(t.server).get('/auth/sessions').set('Cookie', b.cookie).expect(200);
      expect(res.body).toHaveLength(2);
      expect(res.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
      for (const s of res.body) {
        expect(Object.keys(s).sort()).toEqual([
          'createdAt',
          'current',
          'id',
          'ip',
          'lastSeenAt',
          'userAgent',
        ]);
        expect(a.cookie).not.toContain(s.id);
        expect(b.cookie).not.toContain(s.id);
      }
    });
  });

  describe('DELETE /auth/sessions/:id', () => {
    it("revokes another of the caller's sessions at once", async () => {
      const email = await newUser();
      const a = await login(email);
      const b = await login(email);
      const list = await request(t.server)
        .get('/auth/sessions')
        .set('Cookie', b.cookie)
        .expect(200);
      const other = list.body.find((s: { current: boolean }) => !s.current).id;
      await request(t.server).delete(`/auth/sessions/${other}`).set('Cookie', b.cookie).expect(403); // no CSRF
      await request(t.server).get('/auth/me').set('Cookie', a.cookie).expect(200);
      await request(t.server)
        .delete(`/auth/sessions/${other}`)
        .set('Cookie', b.cookie)
        .set('X-CSRF-Token', b.csrf)
        .expect(204);
      await request(t.server).get('/auth/me').set('Cookie', a.cookie).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', b.cookie).expect(200);
    });

    it("answers 404 for a session that is not the caller's, and leaves it alive", async () => {
      const mine = await login(await newUser());
      const theirs = await login(await newUser());
      const list = await request(t.server)
        .get('/auth/sessions')
        .set('Cookie', theirs.cookie)
        .expect(200);
      const res = await request(t.server)
        .delete(`/auth/sessions/${list.body[0].id}`)
        .set('Cookie', mine.cookie)
        .set('X-CSRF-Token', mine.csrf)
        .expect(404);
      expect(res.body.code).toBe('SESSION_NOT_FOUND');
      await request(t.server)
        .delete('/auth/sessions/not-a-handle')
        .set('Cookie', mine.cookie)
        .set('X-CSRF-Token', mine.csrf)
        .expect(404);
      await request(t.server).get('/auth/me').set('Cookie', theirs.cookie).expect(200);
    });
  });

  describe('DELETE /auth/sessions', () => {
    it('revokes every session but the current one', async () => {
      const email = await newUser();
      const others = [await login(email), await login(email)];
      const current = await login(email);
      await request(t.server)
        .delete('/auth/sessions')
        .set('Cookie', current.cookie)
        .set('X-CSRF-Token', current.csrf)
        .expect(204);
      for (const other of others)
        await request(t.server).get('/auth/me').set('Cookie', other.cookie).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', current.cookie).expect(200);
    });
  });

  describe('POST /auth/password', () => {
    it('refuses a wrong current password with 401 and changes nothing', async () => {
      const email = await newUser();
      const s = await login(email);
      const res = await request(t.server)
        .post('/auth/password')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .send({ currentPassword: 'not my password', newPassword: 'a brand new passphrase' })
        .expect(401);
      expect(res.body.code).toBe('INVALID_PASSWORD');
      await login(email);
    });

    it('kills the other sessions, rotates the current one, and switches the password', async () => {
      const email = await newUser();
      const other = await login(email);
      const current = await login(email);
      const res = await request(t.server)
        .post('/auth/password')
        .set('Cookie', current.cookie)
        .set('X-CSRF-Token', current.csrf)
        .send({ currentPassword: password, newPassword: 'a brand new passphrase' })
        .expect(204);
      const rotated = sessionCookie(res)!;
      expect(rotated).toBeDefined();
      expect(rotated).not.toBe(current.cookie);
      await request(t.server).get('/auth/me').set('Cookie', other.cookie).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', rotated).expect(200);
      clock.advanceSeconds(11); // past the rotation grace window
      await request(t.server).get('/auth/me').set('Cookie', current.cookie).expect(401);
      await request(t.server).post('/auth/login').send({ email, password }).expect(401);
      await login(email, 'a brand new passphrase');
    });

    it('rejects a policy-breaking new password with 400', async () => {
      const s = await login(await newUser());
      await request(t.server)
        .post('/auth/password')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .send({ currentPassword: password, newPassword: 'password' })
        .expect(400);
    });
  });

  describe('GET /admin/users', () => {
    it('answers 401 without a session, 403 for a non-admin, 200 for the seeded admin', async () => {
      await request(t.server).get('/admin/users').expect(401);
      const member = await login(await newUser());
      const forbidden = await request(t.server)
        .get('/admin/users')
        .set('Cookie', member.cookie)
        .expect(403);
      expect(forbidden.body.code).toBe('FORBIDDEN_ROLE');
      const admin = await login(adminEmail, adminPassword);
      const res = await request(t.server)
        .get('/admin/users')
        .set('Cookie', admin.cookie)
        .expect(200);
      expect(res.body.map((u: { email: string }) => u.email)).toContain(adminEmail);
      expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|argon2/);
    });
  });

  describe('privilege changes', () => {
    it('applies a role change and a deactivation on the very next request', async () => {
      const users = t.app.get(UsersService);
      const email = await newUser();
      const s = await login(email);
      const user = (await users.findByEmail(email))!;
      await users.setRoles(user.id, ['user', 'admin']);
      await request(t.server).get('/auth/me').set('Cookie', s.cookie).expect(401);
      const again = await login(email);
      await request(t.server).get('/admin/users').set('Cookie', again.cookie).expect(200);
      await users.deactivate(user.id);
      await request(t.server).get('/auth/me').set('Cookie', again.cookie).expect(401);
      await request(t.server).post('/auth/login').send({ email, password }).expect(401);
    });
  });

  describe('renewal rotation', () => {
    it('sends a new cookie when the renewal clock turns, and 20 parallel requests across it all succeed', async () => {
      const s = await login(await newUser());
      clock.advanceSeconds(901);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => request(t.server).get('/auth/me').set('Cookie', s.cookie)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      const renewed = results.map(sessionCookie).filter(Boolean);
      expect(renewed).toHaveLength(1);
      await request(t.server).get('/auth/me').set('Cookie', renewed[0]!).expect(200);
      clock.advanceSeconds(11);
      await request(t.server).get('/auth/me').set('Cookie', s.cookie).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', renewed[0]!).expect(200);
    });

    it('expires an idle session', async () => {
      const s = await login(await newUser());
      clock.advanceSeconds(1801);
      await request(t.server).get('/auth/me').set('Cookie', s.cookie).expect(401);
    });
  });
});
