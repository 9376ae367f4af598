import { resolveSessionOptions } from '../../session/session.options.js';
import type { SessionOptions } from '../../session/session.options.js';
import { SessionDataTooLargeError, SessionService } from '../../session/session.service.js';
import { userAgentDigest } from '../../session/session.record.js';
import type { SessionStore } from '../../session/session.store.js';
import { FakeClock } from '../fake-clock.js';

/** How a contract run gets a fresh store on a given clock, and cleans up. */
export interface SessionStoreHarness {
  create: (clock: FakeClock) => Promise<SessionStore>;
  destroy: () => Promise<void>;
}

const SECRET = 'contract-session-secret-0123456789abcdef';
const alice = { id: '6f1c1a52-0000-4000-8000-00000000a11c', authVersion: 1 };
const bob = { id: '6f1c1a52-0000-4000-8000-0000000000b0', authVersion: 1 };

/**
 * The behaviour of sessions over every `SessionStore` adapter, driven through `SessionService`
 * with a fake clock (idle, absolute and renewal clocks never sleep).
 */
export function describeSessionStoreContract(name: string, harness: () => SessionStoreHarness) {
  describe(`SessionStore contract: ${name}`, () => {
    let h: SessionStoreHarness;
    let clock: FakeClock;
    let store: SessionStore;
    const service = (options: Partial<SessionOptions> = {}) =>
      new SessionService(store, resolveSessionOptions({ secrets: [SECRET], ...options }), clock);

    beforeAll(() => {
      h = harness();
    });
    beforeEach(async () => {
      clock = new FakeClock();
      store = await h.create(clock);
    });
    afterEach(async () => {
      await h.destroy();
    });

    describe('create', () => {
      it('issues a small signed cookie that reveals nothing about the user, and stores the session', async () => {
        const sessions = service();
        const { token, session } = await sessions.create(alice, {
          ip: '203.0.113.9',
          userAgent: 'jest',
        });
        expect(token.length).toBeLessThan(200);
        expect(token).not.toContain(alice.id);
        expect(session).toMatchObject({
          userId: alice.id,
          authVersion: 1,
          ip: '203.0.113.9',
          userAgent: 'jest',
        });
        const result = await sessions.validate(token);
        expect(result).toMatchObject({
          ok: true,
          session: { handle: session.handle, userId: alice.id },
        });
      });

      it('destroys the session the request carried (no fixation)', async () => {
        const sessions = service();
        const before = await sessions.create(alice);
        const after = await sessions.create(alice, {}, before.token);
        expect(await sessions.validate(before.token)).toEqual({ ok: false, reason: 'unknown' });
        expect((await sessions.validate(after.token)).ok).toBe(true);
      });

      it('evicts the oldest sessions past the per-user cap', async () => {
        const sessions = service({ maxSessionsPerUser: 3 });
        const tokens: string[] = [];
        for (let i = 0; i < 3; i++) {
          tokens.push((await sessions.create(alice)).token);
          clock.advanceSeconds(1);
        }
        const fourth = await sessions.create(alice);
        expect(fourth.evicted).toHaveLength(1);
        expect(await sessions.validate(tokens[0])).toEqual({ ok: false, reason: 'unknown' });
        expect((await sessions.validate(tokens[1])).ok).toBe(true);
        expect(await sessions.list(alice.id)).toHaveLength(3);
      });

      it('evicts by creation time, not by the order of writes (a rotated session stays oldest)', async () => {
        const sessions = service({ maxSessionsPerUser: 3, rotationGraceSeconds: 0 });
        const first = await sessions.create(alice);
        clock.advanceSeconds(1);
        const second = await sessions.create(alice);
        clock.advanceSeconds(1);
        await sessions.create(alice);
        clock.advanceSeconds(1);
        // The oldest session takes a new id: written last, still created first.
        expect(await sessions.rotate(first.session)).not.toBeNull();
        const fourth = await sessions.create(alice);
        expect(fourth.evicted.map((r) => r.handle)).toEqual([first.session.handle]);
        expect(fourth.evicted[0]).toMatchObject({ createdAt: first.session.createdAt });
        const listed = (await sessions.list(alice.id)).map((s) => s.handle);
        expect(listed).not.toContain(first.session.handle);
        expect(listed[0]).toBe(second.session.handle);
        expect(listed).toHaveLength(3);
      });

      it('keeps the user agent: its digest on every read, its text in the list', async () => {
        const sessions = service({ touchIntervalSeconds: 60, renewalIntervalSeconds: 86_400 });
        const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) contract';
        const { token, session } = await sessions.create(alice, {
          ip: '198.51.100.4',
          userAgent: ua,
        });
        expect(session.userAgentDigest).toBe(userAgentDigest(ua));
        const validated = await sessions.validate(token);
        expect(validated).toMatchObject({
          ok: true,
          session: { userAgentDigest: userAgentDigest(ua), ip: '198.51.100.4' },
        });
        expect(await sessions.list(alice.id)).toMatchObject([
          { handle: session.handle, userAgent: ua, userAgentDigest: userAgentDigest(ua) },
        ]);
        // The context changes (the guard saw another digest): both follow, the list shows it.
        const other = 'curl/8.5.0';
        const active = (validated as { session: Parameters<SessionService['recordContext']>[0] })
          .session;
        await sessions.recordContext(active, { ip: '2001:db8::7', userAgent: other });
        expect(await sessions.validate(token)).toMatchObject({
          ok: true,
          session: { userAgentDigest: userAgentDigest(other), ip: '2001:db8::7' },
        });
        expect(await sessions.list(alice.id)).toMatchObject([
          { userAgent: other, userAgentDigest: userAgentDigest(other) },
        ]);
        // No user agent at all.
        await sessions.revokeAll(alice.id);
        await sessions.create(alice);
        expect(await sessions.list(alice.id)).toMatchObject([
          { userAgent: null, userAgentDigest: null },
        ]);
      });

      it('returns revoked and evicted records with their user agent text', async () => {
        const sessions = service({ maxSessionsPerUser: 1 });
        const first = await sessions.create(alice, { userAgent: 'first agent' });
        clock.advanceSeconds(1);
        const second = await sessions.create(alice, { userAgent: 'second agent' });
        expect(second.evicted).toMatchObject([
          { handle: first.session.handle, userAgent: 'first agent' },
        ]);
        expect(await sessions.revoke(alice.id, second.session.handle)).toMatchObject({
          userAgent: 'second agent',
        });
      });
    });

    describe('validate', () => {
      it('rejects malformed, unsigned and foreign-signed values', async () => {
        const sessions = service();
        const { token } = await sessions.create(alice);
        const foreign = new SessionService(
          store,
          resolveSessionOptions({ secrets: ['x'.repeat(40)] }),
          clock,
        );
        const flipped = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
        for (const bad of [
          undefined,
          '',
          'abc',
          token.split('.').slice(0, 2).join('.'),
          flipped,
          `${token}x`,
        ]) {
          expect(await sessions.validate(bad)).toEqual({ ok: false, reason: 'malformed' });
        }
        expect(await foreign.validate(token)).toEqual({ ok: false, reason: 'malformed' });
      });

      it('accepts cookies signed with an older secret after rotation of secrets', async () => {
        const old = service();
        const { token } = await old.create(alice);
        const rotated = new SessionService(
          store,
          resolveSessionOptions({ secrets: ['n'.repeat(40), SECRET] }),
          clock,
        );
        expect((await rotated.validate(token)).ok).toBe(true);
      });

      it('expires after the idle timeout, and the session is gone', async () => {
        const sessions = service({ idleTimeoutSeconds: 600 });
        const { token, session } = await sessions.create(alice);
        clock.advanceSeconds(600);
        expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'idle' });
        expect((await sessions.list(alice.id)).map((s) => s.handle)).not.toContain(session.handle);
      });

      it('slides the idle timeout with activity, writing at most once per touch interval', async () => {
        const sessions = service({
          idleTimeoutSeconds: 600,
          touchIntervalSeconds: 60,
          renewalIntervalSeconds: 86_400,
        });
        const { token } = await sessions.create(alice);
        clock.advanceSeconds(30);
        await sessions.validate(token);
        expect((await sessions.list(alice.id))[0].lastSeenAt).toBe(clock.now() - 30_000); // not written
        for (let i = 0; i < 5; i++) {
          clock.advanceSeconds(500);
          expect((await sessions.validate(token)).ok).toBe(true);
        }
        expect((await sessions.list(alice.id))[0].lastSeenAt).toBe(clock.now());
      });

      it('expires at the absolute timeout whatever the activity', async () => {
        const sessions = service({
          idleTimeoutSeconds: 600,
          absoluteTimeoutSeconds: 3600,
          renewalIntervalSeconds: 86_400,
        });
        const { token } = await sessions.create(alice);
        for (let i = 0; i < 6; i++) {
          clock.advanceSeconds(500);
          expect((await sessions.validate(token)).ok).toBe(true);
        }
        clock.advanceSeconds(600); // 3600 s after creation, never idle for long
        expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'absolute' });
      });

      it("rejects and destroys a session older than the user's authVersion", async () => {
        const sessions = service();
        const { token } = await sessions.create(alice);
        expect((await sessions.validate(token, 1)).ok).toBe(true);
        expect(await sessions.validate(token, 2)).toEqual({ ok: false, reason: 'stale-auth' });
        expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'unknown' });
      });
    });

    describe('rotation', () => {
      it('rotates on the renewal clock: a new cookie, the old one honoured for the grace window only', async () => {
        const sessions = service({ renewalIntervalSeconds: 900, rotationGraceSeconds: 10 });
        const { token, session } = await sessions.create(alice);
        clock.advanceSeconds(900);
        const renewed = await sessions.validate(token);
        expect(renewed.ok && renewed.rotatedToken).toBeTruthy();
        const next = (renewed as { rotatedToken: string }).rotatedToken;
        expect(next).not.toBe(token);
        const viaOld = await sessions.validate(token);
        expect(viaOld).toMatchObject({ ok: true, session: { handle: session.handle } });
        expect((viaOld as { rotatedToken?: string }).rotatedToken).toBeUndefined();
        clock.advanceSeconds(11);
        expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'unknown' });
        expect(await sessions.validate(next)).toMatchObject({
          ok: true,
          session: { handle: session.handle },
        });
        expect(await sessions.list(alice.id)).toHaveLength(1);
      });

      it('kills the old id at once when the grace window is 0', async () => {
        const sessions = service({ rotationGraceSeconds: 0 });
        const { token, session } = await sessions.create(alice);
        const rotated = await sessions.rotate(session, { authVersion: 2 });
        expect(rotated).not.toBeNull();
        expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'unknown' });
        expect(await sessions.validate(rotated!.token, 2)).toMatchObject({
          ok: true,
          session: { authVersion: 2 },
        });
      });

      it('kills the old id at once on a security rotation, whatever the grace window', async () => {
        const sessions = service({ rotationGraceSeconds: 10 });
        const { token, session } = await sessions.create(alice);
        const rotated = await sessions.rotate(session, { authVersion: 2 });
        expect(rotated).not.toBeNull();
        expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'unknown' });
        expect(await store.get(session.ref)).toBeNull();
      });

      it('marks the old id spent in the same step when asked (refresh tokens)', async () => {
        const sessions = service();
        const { session } = await sessions.create(alice);
        const { ref, ...record } = session;
        const marker = { userId: alice.id, handle: record.handle, spentAt: clock.now() };
        const moved = await store.rotate(ref, 'f'.repeat(64), record, {
          ttlMs: 60_000,
          graceMs: 0,
          graceUntil: clock.now(),
          spent: marker,
        });
        expect(moved).toBe(true);
        expect(await store.getSpent(ref)).toEqual(marker);
        expect(await store.get(ref)).toBeNull();
      });

      it('lets only one of two rotations of the same session win', async () => {
        const sessions = service();
        const { session } = await sessions.create(alice);
        expect(await sessions.rotate(session)).not.toBeNull();
        expect(await sessions.rotate(session)).toBeNull();
      });
    });

    describe('destroy / revoke / revokeAll / list', () => {
      it('destroys a session by its cookie', async () => {
        const sessions = service();
        const { token } = await sessions.create(alice);
        expect(await sessions.destroy(token)).toBe(true);
        expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'unknown' });
        expect(await sessions.destroy(token)).toBe(false);
        expect(await sessions.list(alice.id)).toEqual([]);
      });

      it("lists a user's sessions oldest first, with public handles only", async () => {
        const sessions = service();
        const first = await sessions.create(alice);
        clock.advanceSeconds(1);
        const second = await sessions.create(alice);
        await sessions.create(bob);
        const listed = await sessions.list(alice.id);
        expect(listed.map((s) => s.handle)).toEqual([first.session.handle, second.session.handle]);
        expect(JSON.stringify(listed)).not.toContain(first.token.split('.')[0]);
      });

      it("revokes one session by handle, only the user's own", async () => {
        const sessions = service();
        const a = await sessions.create(alice);
        const b = await sessions.create(bob);
        expect(await sessions.revoke(alice.id, b.session.handle)).toBeNull();
        expect((await sessions.validate(b.token)).ok).toBe(true);
        expect(await sessions.revoke(alice.id, a.session.handle)).toMatchObject({
          handle: a.session.handle,
        });
        expect(await sessions.validate(a.token)).toEqual({ ok: false, reason: 'unknown' });
      });

      it('revokes all but the current session', async () => {
        const sessions = service();
        const keep = await sessions.create(alice);
        const others = [await sessions.create(alice), await sessions.create(alice)];
        const bobs = await sessions.create(bob);
        const revoked = await sessions.revokeAll(alice.id, { except: keep.session.handle });
        expect(revoked).toHaveLength(2);
        for (const other of others) expect((await sessions.validate(other.token)).ok).toBe(false);
        expect((await sessions.validate(keep.token)).ok).toBe(true);
        expect((await sessions.validate(bobs.token)).ok).toBe(true);
        expect(await sessions.revokeAll(alice.id)).toHaveLength(1);
        expect(await sessions.list(alice.id)).toEqual([]);
      });

      it('drops expired sessions from the list', async () => {
        const sessions = service({ idleTimeoutSeconds: 600 });
        await sessions.create(alice);
        clock.advanceSeconds(601);
        expect(await sessions.list(alice.id)).toEqual([]);
      });
    });

    describe('setData', () => {
      it('stores a small bag and refuses an oversized one without truncating', async () => {
        const sessions = service({ maxDataBytes: 64 });
        const { token, session } = await sessions.create(alice);
        await sessions.setData(session, { theme: 'dark' });
        expect(await sessions.validate(token)).toMatchObject({
          ok: true,
          session: { data: { theme: 'dark' } },
        });
        await expect(sessions.setData(session, { blob: 'x'.repeat(100) })).rejects.toBeInstanceOf(
          SessionDataTooLargeError,
        );
        expect(await sessions.validate(token)).toMatchObject({
          ok: true,
          session: { data: { theme: 'dark' } },
        });
      });
    });
  });
}
