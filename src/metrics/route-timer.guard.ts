import type { CanActivate, ExecutionContext, Type } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import type { ServerResponse } from 'node:http';
import { WARDEN_METRICS_CONTROLLERS } from './metrics.tokens.js';
import { WardenMetrics } from './warden-metrics.js';

/**
 * Times nest-warden's own routes into `warden_http_request_duration_seconds{route,method,status}`.
 * A global guard that always lets the request through: guards run before interceptors, so a
 * guard sees the requests that `WardenAuthGuard`, the login throttle or a down Redis refuse
 * (401, 429, 503) as well. It notes the time and the route pattern and reads the status when
 * the response has been sent, on Express and Fastify alike. Routes of the host app are left alone.
 */
@Injectable()
export class RouteTimerGuard implements CanActivate {
  private readonly patterns = new WeakMap<object, string>();

  constructor(
    private readonly metrics: WardenMetrics,
    @Inject(WARDEN_METRICS_CONTROLLERS) private readonly controllers: ReadonlySet<Type>,
  ) {}

  canActivate(context: ExecutionContext): true {
    if (context.getType() !== 'http' || !this.controllers.has(context.getClass())) return true;
    const started = process.hrtime.bigint();
    const http = context.switchToHttp();
    const method = http.getRequest<{ method: string }>().method;
    const route = this.pattern(context);
    // Fastify's reply wraps the Node response; Express's response is it.
    const response = http.getResponse<ServerResponse | { raw: ServerResponse }>();
    const raw = 'raw' in response ? response.raw : response;
    raw.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observe({ route, method, status: raw.statusCode, seconds });
    });
    return true;
  }

  /** `/<controller path>/<handler path>` as declared (`/auth/sessions/:id`). */
  private pattern(context: ExecutionContext): string {
    const handler = context.getHandler();
    let pattern = this.patterns.get(handler);
    if (pattern === undefined) {
      const parts = [context.getClass(), handler].map((target) => {
        const path: unknown = Reflect.getMetadata(PATH_METADATA, target);
        return String((Array.isArray(path) ? path[0] : path) ?? '');
      });
      pattern = `/${parts.join('/')}`.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
      this.patterns.set(handler, pattern);
    }
    return pattern;
  }
}
