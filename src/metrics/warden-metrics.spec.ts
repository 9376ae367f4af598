import { register as globalRegistry, Registry } from 'prom-client';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import { resolvePasswordOptions } from '../passwords/password.options.js';
import { PasswordService } from '../passwords/password.service.js';
import type { MetricsOptions } from './metrics.options.js';
import { resolveMetricsOptions } from './metrics.options.js';
import { WardenMetrics } from './warden-metrics.js';

const TOKEN = 'a-metrics-token-0123456789';

function create(options: MetricsOptions = {}) {
  const events = new SecurityEvents();
  const passwords = new PasswordService(resolvePasswordOptions({ maxConcurrent: 1, maxQueued: 0 }));
  const metrics = new WardenMetrics(resolveMetricsOptions(options), events, passwords);
  return { metrics, events, passwords };
}

async function sample(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('WardenMetrics', () => {
  describe('constructor', () => {
    it("registers in a registry of its own, never prom-client's global one, or in the one given", async () => {
      const { metrics } = create();
      expect(metrics.registry).not.toBe(globalRegistry);
      expect(globalRegistry.getSingleMetric('warden_logins_total')).toBeUndefined();
      const host = new Registry();
      expect(create({ registry: host }).metrics.registry).toBe(host);
      expect(host.getSingleMetric('warden_logins_total')).toBeDefined();
      expect(await host.metrics()).not.toContain('process_cpu');
      const withDefaults = create({ defaultMetrics: true }).metrics;
      expect(await withDefaults.render()).toContain('process_cpu_seconds_total');
    });
  });

  describe('events', () => {
    it('labels only from allow-lists: an unknown reason becomes other, never the value', async () => {
      const { metrics, events } = create();
      events.emit(WardenEvent.SESSION_REVOKED, { userId: 'u1', reason: 'alice@example.com' });
      events.emit(WardenEvent.SESSION_REVOKED, { userId: 'u1', reason: 'logout' });
      events.emit(WardenEvent.LOGIN_FAILED, { ip: '203.0.113.9', accountHash: 'abcdef0123456789' });
      const text = await metrics.render();
      expect(text).toContain('warden_sessions_revoked_total{reason="other"} 1');
      expect(text).toContain('warden_sessions_revoked_total{reason="logout"} 1');
      expect(text).toContain('warden_logins_total{result="invalid"} 1');
      expect(text).not.toMatch(/alice|203\.0\.113|abcdef0123456789|u1/);
    });
  });

  describe('mayScrape', () => {
    it('lets anyone scrape without a token', () => {
      expect(create().metrics.mayScrape(undefined)).toBe(true);
    });

    it('with a token, accepts only Bearer <token>', () => {
      const { metrics } = create({ token: TOKEN });
      expect(metrics.mayScrape(`Bearer ${TOKEN}`)).toBe(true);
      expect(metrics.mayScrape(`bearer ${TOKEN}`)).toBe(true);
      for (const header of [
        undefined,
        '',
        TOKEN,
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN}x`,
        'Bearer ',
      ]) {
        expect({ header, ok: metrics.mayScrape(header) }).toEqual({ header, ok: false });
      }
    });
  });

  describe('unavailable', () => {
    it('counts 503s by the service that failed, and not a busy hashing queue', async () => {
      const { metrics } = create();
      metrics.unavailable(new WardenUnavailableException('x', { service: 'redis' }));
      metrics.unavailable(new WardenUnavailableException('hashing busy'));
      expect(
        await sample(metrics.registry, 'warden_backend_errors_total', { service: 'redis' }),
      ).toBe(1);
      expect(await sample(metrics.registry, 'warden_backend_errors_total')).toBe(1);
    });
  });

  describe('auditDropped', () => {
    it('counts dropped audit records', async () => {
      const { metrics } = create();
      metrics.auditDropped();
      metrics.auditDropped(2);
      expect(await sample(metrics.registry, 'warden_audit_dropped_total')).toBe(3);
    });
  });

  describe('hash gauges', () => {
    it('reads the bulkhead at scrape time and counts each rejection once', async () => {
      const { metrics, passwords } = create();
      const running = passwords.hash('first password').catch(() => undefined);
      const busy = passwords.hash('second password');
      await expect(busy).rejects.toBeInstanceOf(WardenUnavailableException);
      expect(await sample(metrics.registry, 'warden_hash_in_flight')).toBe(1);
      expect(await sample(metrics.registry, 'warden_hash_rejections_total')).toBe(1);
      expect(await sample(metrics.registry, 'warden_hash_rejections_total')).toBe(1);
      await running;
      expect(await sample(metrics.registry, 'warden_hash_in_flight')).toBe(0);
      expect(await sample(metrics.registry, 'warden_hash_queue_depth')).toBe(0);
    });
  });
});

describe('resolveMetricsOptions', () => {
  it('refuses a short or spaced token at boot, with the fix', () => {
    for (const token of ['', 'short', 'has a space in it 0123456789']) {
      expect(() => resolveMetricsOptions({ token })).toThrow(/at least 16 printable/);
    }
    expect(resolveMetricsOptions({}).token).toBeNull();
  });
});
