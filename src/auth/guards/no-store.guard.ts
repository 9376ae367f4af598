import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { HttpContext } from '../../core/http-context.js';

/**
 * Marks every response of a controller `Cache-Control: no-store` and lets the request through.
 * A guard rather than an interceptor because guards run first: the 400/401/403/415/429 that a
 * later guard or pipe throws carries the header too. nest-warden's own controllers (`/auth/*`)
 * carry it at class level; no path is matched, so `/AUTH/ME` or `/%61uth/me` cannot miss it.
 */
@Injectable()
export class NoStoreGuard implements CanActivate {
  constructor(private readonly http: HttpContext) {}

  canActivate(context: ExecutionContext): true {
    this.http.noStore(context);
    return true;
  }
}
