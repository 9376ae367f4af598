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
import type { WardenRequest } from '../warden-request.js';

/**
 * 403 `REAUTH_REQUIRED` unless the session's last credential step (login, `POST /auth/reauth`)
 * is at most `@Auth({ recent })` seconds old (`true`: `AuthModule`'s `reauthMaxAgeSeconds`).
 * Runs after authentication; routes without `recent` pass.
 */
@Injectable()
export class RecentAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(WARDEN_REAUTH_MAX_AGE) private readonly defaultMaxAgeSeconds: number,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const recent = this.reflector.getAllAndOverride<number | true | undefined>(RECENT_AUTH, [
      context.getHandler(),
      context.getClass(),
    ]);
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
