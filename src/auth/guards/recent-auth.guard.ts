import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Clock } from '../../core/clock.js';
import { WARDEN_CLOCK } from '../../core/clock.js';
import {
  ReauthRequiredException,
  SessionInvalidException,
} from '../../errors/warden.exceptions.js';
import { RECENT_AUTH, WARDEN_REAUTH_MAX_AGE } from '../auth.constants.js';
import { RouteMetadata } from '../route-metadata.js';
import type { WardenRequest } from '../warden-request.js';

/**
 * 403 `REAUTH_REQUIRED` unless the session's last credential step (login, `POST /auth/reauth`)
 * is at most `@Auth({ recent })` seconds old (`true`: `AuthModule`'s `reauthMaxAgeSeconds`).
 * Runs after authentication; routes without `recent` pass.
 */
@Injectable()
export class RecentAuthGuard implements CanActivate {
  private readonly recent: RouteMetadata<number | true>;

  constructor(
    reflector: Reflector,
    @Inject(WARDEN_REAUTH_MAX_AGE) private readonly defaultMaxAgeSeconds: number,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {
    this.recent = new RouteMetadata(reflector, RECENT_AUTH);
  }

  canActivate(context: ExecutionContext): boolean {
    const recent = this.recent.get(context);
    if (recent === undefined) return true;
    const session = context.switchToHttp().getRequest<WardenRequest>().wardenSession;
    if (!session) throw new SessionInvalidException();
    const maxAgeSeconds = recent === true ? this.defaultMaxAgeSeconds : recent;
    if (this.clock.now() - session.authTime > maxAgeSeconds * 1000) {
      throw new ReauthRequiredException();
    }
    return true;
  }
}
