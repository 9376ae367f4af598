import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '../auth.constants.js';
import { SessionAuthGuard } from './session-auth.guard.js';

/**
 * The guard to install globally (`{ provide: APP_GUARD, useClass: AuthGuard }`) or per route
 * (through `@Auth()`): lets `@Public()` routes through, authenticates everything else. Today it
 * accepts the session cookie; bearer tokens plug in here.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly session: SessionAuthGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    return this.session.canActivate(context);
  }
}
