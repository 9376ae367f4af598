import type { ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** What nest-warden reads of a request, on Express and Fastify alike. */
export interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  ip?: string;
  body?: unknown;
}

/** Request and response helpers that work on every HTTP adapter, without cookie middleware. */
@Injectable()
export class HttpContext {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  request<T extends HttpRequest = HttpRequest>(context: ExecutionContext): T {
    return context.switchToHttp().getRequest<T>();
  }

  /** Appends a `Set-Cookie` header (several may be sent in one response). */
  setCookie(context: ExecutionContext, value: string): void {
    this.appendCookie(context.switchToHttp().getResponse(), value);
  }

  /** Appends a `Set-Cookie` header to a response object (`@Res({ passthrough: true })`). */
  appendCookie(response: unknown, value: string): void {
    this.adapterHost.httpAdapter.appendHeader(response, 'Set-Cookie', value);
  }

  /** Sets the status code of a response object (`@Res({ passthrough: true })`). */
  status(response: unknown, statusCode: number): void {
    this.adapterHost.httpAdapter.status(response, statusCode);
  }

  /**
   * Marks the response `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches):
   * called by every guard and controller of nest-warden before it authenticates or answers, so
   * the header is on the response whatever path matched the route, errors included.
   */
  noStore(context: ExecutionContext): void {
    const response: unknown = context.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    // Guards of one route may each call this (NoStoreGuard, then WardenAuthGuard): set once.
    if (
      adapter.getHeader(response, 'Cache-Control') === 'no-store' &&
      adapter.getHeader(response, 'Pragma') === 'no-cache'
    ) {
      return;
    }
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.setHeader(response, 'Pragma', 'no-cache');
  }

  /** One header as a string. */
  header(request: HttpRequest, name: string): string | undefined {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /** Client IP as the adapter resolved it (honouring its trust-proxy setting). */
  clientIp(request: HttpRequest): string | null {
    return request.ip ?? null;
  }

  /** Where a request comes from: client IP and user agent, as sessions and events keep them. */
  clientContext(request: HttpRequest): { ip: string | null; userAgent: string | null } {
    return { ip: this.clientIp(request), userAgent: this.header(request, 'user-agent') ?? null };
  }
}
