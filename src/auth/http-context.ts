import type { ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ActiveSession } from '../session/session.service.js';
import type { CachedUser } from '../cache/user-cache.js';

/** What nest-warden reads from and attaches to a request, on Express and Fastify alike. */
export interface WardenRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  ip?: string;
  body?: unknown;
  /** The authenticated user (passport convention): a cached snapshot, never the hash. */
  user?: CachedUser;
  /** The session behind a cookie-authenticated request. */
  wardenSession?: ActiveSession;
  /** How the request authenticated. */
  wardenAuth?: 'session' | 'bearer';
}

/** Request and response helpers that work on every HTTP adapter, without cookie middleware. */
@Injectable()
export class HttpContext {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  request(context: ExecutionContext): WardenRequest {
    return context.switchToHttp().getRequest<WardenRequest>();
  }

  /** Appends a `Set-Cookie` header (several may be sent in one response). */
  setCookie(context: ExecutionContext, value: string): void {
    this.adapterHost.httpAdapter.appendHeader(
      context.switchToHttp().getResponse(),
      'Set-Cookie',
      value,
    );
  }

  /** One header as a string. */
  header(request: WardenRequest, name: string): string | undefined {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /** Client IP as the adapter resolved it (honouring its trust-proxy setting). */
  clientIp(request: WardenRequest): string | null {
    return request.ip ?? null;
  }
}
