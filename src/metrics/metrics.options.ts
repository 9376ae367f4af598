import type { Registry } from 'prom-client';

/**
 * Prometheus metrics (`AuthModule` option `metrics`): mounting it adds `GET /metrics` and the
 * `warden_*` metrics of logins, sessions, refreshes, hashing, backing services and route latency.
 */
export interface MetricsOptions {
  /**
   * Bearer token `GET /metrics` requires (`Authorization: Bearer <token>`, compared in constant
   * time; anything else → 401 `SESSION_INVALID`). `null` or omitted: open to anyone who can reach
   * the route (keep it off the public network then). @default null
   */
  token?: string | null;
  /**
   * Where the metrics are registered. @default a registry of nest-warden's own, never prom-client's
   * global one; pass the host app's registry to serve both from one endpoint.
   */
  registry?: Registry;
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event loop lag, GC) into the
   * registry. Leave off when the host app already collects them into the same registry.
   * @default false
   */
  defaultMetrics?: boolean;
}

/** {@link MetricsOptions} with every default applied. */
export interface ResolvedMetricsOptions {
  token: string | null;
  registry: Registry | null;
  defaultMetrics: boolean;
}

/** Applies defaults and checks values; a bad one is a boot error saying how to fix it. */
export function resolveMetricsOptions(options: MetricsOptions): ResolvedMetricsOptions {
  const token = options.token ?? null;
  if (token !== null && (typeof token !== 'string' || !/^[\x21-\x7e]{16,}$/.test(token))) {
    throw new Error(
      'AuthModule option metrics.token must be at least 16 printable characters without spaces (openssl rand -base64 32), or null for an open GET /metrics',
    );
  }
  return {
    token,
    registry: options.registry ?? null,
    defaultMetrics: options.defaultMetrics ?? false,
  };
}
