import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PrometheusFamily } from 'parse-prometheus-text-format';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { TEST_REDIS_URL } from '../support/services.js';
import { ROOT } from '../support/processes.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const password = 'correct horse battery staple';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The exposition text of `GET /metrics`. */
async function scrapeText(t: TestApp, token?: string): Promise<string> {
  const call = request(t.server).get('/metrics');
  if (token) call.set('Authorization', `Bearer ${token}`);
  const res = await call.expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** The parsed exposition of `GET /metrics`. */
async function scrape(t: TestApp, token?: string): Promise<PrometheusFamily[]> {
  return parsePrometheusTextFormat(await scrapeText(t, token));
}

/**
 * The `<name>_count` series of a histogram with their labels: the parser merges every series of
 * a histogram into one sample and drops their labels, so they are parsed as a counter family.
 */
function histogramCounts(text: string, name: string): PrometheusFamily['metrics'] {
  const lines = text.split('\n').filter((line) => line.startsWith(`${name}_count{`));
  const family = `# TYPE ${name}_count counter\n${lines.join('\n')}\n`;
  return parsePrometheusTextFormat(family)[0]?.metrics ?? [];
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there is none). */
function value(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}) {
  const family = families.find((f) => f.name === name);
  return (family?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

/** Polls /health until it says 200 (the app reconnected by itself). */
async function healthy(t: TestApp): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await request(t.server).get('/health')).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the app did not recover');
}

describe.each(ADAPTERS)('GET /metrics on %s', (adapter) => {
  describe('without METRICS_TOKEN', () => {
    let proxy: TcpProxy;
    let t: TestApp;
    beforeAll(async () => {
      let proxiedUrl: string;
      ({ proxy, url: proxiedUrl } = await TcpProxy.inFrontOf(TEST_REDIS_URL));
      t = await startTestApp(adapter, { REDIS_URL: proxiedUrl });
    });
    afterAll(async () => {
      proxy?.restore();
      await t?.close();
      await proxy?.stop();
    });

    it('counts logins, sessions, refreshes, revocations and backend failures as they happen', async () => {
      const email = `metrics-${adapter}@example.com`;
      const victim = `metrics-throttled-${adapter}@example.com`;
      const before = await scrape(t);

      await request(t.server).post('/auth/register').send({ email, password }).expect(201);
      await request(t.server).post('/auth/register').send({ email: victim, password }).expect(201);
      const first = await request(t.server).post('/auth/login').send({ email, password });
      expect(first.status).toBe(200);
      const cookie = sessionCookie(first)!;
      const csrf = first.body.csrfToken as string;
      const second = await request(t.server).post('/auth/login').send({ email, password });
      expect(second.status).toBe(200);
      await request(t.server)
        .post('/auth/login')
        .send({ email, password: 'wrong wrong wrong' })
        .expect(401);
      for (let i = 0; i < 5; i++) {
        await request(t.server)
          .post('/auth/login')
          .send({ email: victim, password: 'wrong wrong wrong' })
          .expect(401);
      }
      await request(t.server)
        .post('/auth/login')
        .send({ email: victim, password: 'wrong wrong wrong' })
        .expect(429);

      // Refresh, then replay the spent token: the family is revoked.
      const pair = await request(t.server)
        .post('/auth/token')
        .send({ email, password })
        .expect(200);
      const spent = pair.body.refreshToken as string;
      await request(t.server).post('/auth/token/refresh').send({ refreshToken: spent }).expect(200);
      await request(t.server).post('/auth/token/refresh').send({ refreshToken: spent }).expect(401);

      // Revoke the second session by its handle, then log out of the first.
      const sessions = await request(t.server).get('/auth/sessions').set('Cookie', cookie);
      const other = (sessions.body as { id: string; current: boolean }[]).find((s) => !s.current)!;
      await request(t.server)
        .delete(`/auth/sessions/${other.id}`)
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .expect(204);
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
      await request(t.server)
        .post('/auth/logout')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .expect(204);
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(401);

      // Redis stops answering: a login is a 503.
      proxy.stall();
      await request(t.server).post('/auth/login').send({ email, password }).expect(503);
      proxy.restore();
      await healthy(t);

      const after = await scrape(t);
      const delta = (name: string, labels: Record<string, string> = {}) =>
        value(after, name, labels) - value(before, name, labels);
      expect({
        success: delta('warden_logins_total', { result: 'success' }),
        invalid: delta('warden_logins_total', { result: 'invalid' }),
        throttled: delta('warden_logins_total', { result: 'throttled' }),
        unavailable: delta('warden_logins_total', { result: 'unavailable' }),
        created: delta('warden_sessions_created_total'),
        createdTokens: delta('warden_sessions_created_total', { kind: 'token' }),
        revoked: delta('warden_sessions_revoked_total', { reason: 'revoked' }),
        logout: delta('warden_sessions_revoked_total', { reason: 'logout' }),
        reuseRevoked: delta('warden_sessions_revoked_total', { reason: 'refresh-reuse' }),
        refreshed: delta('warden_token_refreshes_total', { result: 'success' }),
        reused: delta('warden_token_refreshes_total', { result: 'reuse' }),
        reuseAnomaly: delta('warden_session_anomalies_total', { kind: 'refresh-reuse' }),
        redis: delta('warden_backend_errors_total', { service: 'redis' }),
      }).toEqual({
        success: 3,
        invalid: 6,
        throttled: 1,
        unavailable: 1,
        created: 3,
        createdTokens: 1,
        revoked: 1,
        logout: 1,
        reuseRevoked: 1,
        refreshed: 1,
        reused: 1,
        reuseAnomaly: 1,
        redis: 1,
      });
    });

    it('times nest-warden routes by pattern, never by raw path, and leaves host routes alone', async () => {
      const text = await scrapeText(t);
      const name = 'warden_http_request_duration_seconds';
      const histogram = parsePrometheusTextFormat(text).find((f) => f.name === name);
      expect(histogram?.type).toBe('HISTOGRAM');
      const series = histogramCounts(text, name);
      expect(series.every((m) => Number(m.value) >= 1)).toBe(true);
      const routes = new Set(series.map((m) => m.labels?.route));
      expect([...routes]).toEqual(
        expect.arrayContaining(['/auth/me', '/auth/sessions/:id', '/auth/login', '/auth/logout']),
      );
      expect(routes.has('/health')).toBe(false);
      expect(routes.has('/metrics')).toBe(false);
      const statuses = series
        .filter((m) => m.labels?.route === '/auth/login')
        .map((m) => m.labels?.status);
      expect(statuses).toEqual(expect.arrayContaining(['200', '401', '429', '503']));
    });

    it('puts no email, user id, IP or session handle in any label', async () => {
      const text = await scrapeText(t);
      const values = [
        ...parsePrometheusTextFormat(text).flatMap((f) =>
          f.metrics.flatMap((m) => Object.values(m.labels ?? {})),
        ),
        ...histogramCounts(text, 'warden_http_request_duration_seconds').flatMap((m) =>
          Object.values(m.labels ?? {}),
        ),
      ];
      expect(values.length).toBeGreaterThan(20);
      for (const label of values) {
        expect(label).not.toMatch(/@/);
        expect(label).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
        expect(label).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b|::/);
        expect(label).not.toMatch(/[A-Za-z0-9_-]{20,}/);
      }
    });

    it('reports the hashing bulkhead', async () => {
      const families = await scrape(t);
      for (const [name, type] of [
        ['warden_hash_queue_depth', 'GAUGE'],
        ['warden_hash_in_flight', 'GAUGE'],
        ['warden_hash_rejections_total', 'COUNTER'],
      ]) {
        const family = families.find((f) => f.name === name);
        expect({ name, type: family?.type }).toEqual({ name, type });
        expect(Number(family!.metrics[0].value)).toBeGreaterThanOrEqual(0);
      }
    });
  });

  describe('docs/grafana-dashboard.json', () => {
    it('queries only metrics that GET /metrics serves', async () => {
      const t = await startTestApp(adapter);
      try {
        const served = new Set((await scrape(t)).map((f) => f.name));
        const dashboard = readFileSync(join(ROOT, 'docs', 'grafana-dashboard.json'), 'utf8');
        const queried = new Set(
          [...dashboard.matchAll(/warden_[a-z_]+/g)].map((m) =>
            m[0].replace(/_(bucket|count)$/, ''),
          ),
        );
        expect(queried.size).toBeGreaterThan(10);
        expect([...queried].filter((name) => !served.has(name))).toEqual([]);
      } finally {
        await t.close();
      }
    });
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(adapter, { METRICS_TOKEN });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers 401 SESSION_INVALID without the token or with a wrong one, 200 with it', async () => {
      for (const authorization of [
        undefined,
        'Bearer wrong-token-0123456789',
        `Basic ${METRICS_TOKEN}`,
      ]) {
        const call = request(t.server).get('/metrics');
        if (authorization) call.set('Authorization', authorization);
        const res = await call.expect(401);
        expect(res.body).toMatchObject({ statusCode: 401, code: 'SESSION_INVALID' });
        expect(res.text).not.toContain('warden_');
      }
      const families = await scrape(t, METRICS_TOKEN);
      expect(families.map((f) => f.name)).toEqual(
        expect.arrayContaining([
          'warden_logins_total',
          'warden_sessions_created_total',
          'warden_sessions_revoked_total',
          'warden_token_refreshes_total',
          'warden_hash_queue_depth',
          'warden_hash_rejections_total',
          'warden_backend_errors_total',
          'warden_http_request_duration_seconds',
        ]),
      );
    });
  });
});
