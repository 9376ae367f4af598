/** DI token of the resolved `AuthModule` option `metrics` (`ResolvedMetricsOptions`). */
export const WARDEN_METRICS_OPTIONS = 'WARDEN:METRICS_OPTIONS';

/**
 * DI token of the controllers whose routes `warden_http_request_duration_seconds` times (a
 * `ReadonlySet` of classes): `AuthModule`'s own, whatever is mounted, `GET /metrics` excepted.
 */
export const WARDEN_METRICS_CONTROLLERS = 'WARDEN:METRICS_CONTROLLERS';
