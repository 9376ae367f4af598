import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable, Optional } from '@nestjs/common';
import { SessionInvalidException } from '../../errors/warden.exceptions.js';
import { TokenService } from '../../tokens/token.service.js';
import type { WardenRequest } from '../warden-request.js';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '../auth.constants.js';
import { HttpContext } from '../../core/http-context.js';
import { RouteMetadata } from '../route-metadata.js';
import { SessionAuthGuard } from './session-auth.guard.js';

/**
 * The guard to install globally (`{ provide: APP_GUARD, useClass: WardenAuthGuard }`) or per
 * route (through `@Auth()`): lets `@Public()` routes through, authenticates everything else with
 * an `Authorization: Bearer` access token (when tokens are mounted; accepted while its session
 * lives) or the session cookie. Every response of a route it guards is `Cache-Control: no-store`,
 * its 401/403 included.
 */
@Injectable()
export class WardenAuthGuard implements CanActivate {
  private readonly isPublic: RouteMetadata<boolean>;

  constructor(
    reflector: Reflector,
    private readonly session: SessionAuthGuard,
    private readonly http: HttpContext,
    @Optional() private readonly tokens?: TokenService,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC);
  }

  // Not async: the promise of authenticate() goes to Nest as it is, without another around it.
  canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic.get(context)) return Promise.resolve(true);
    // Before authenticating, so that the 401/403 thrown below carries the header too.
    this.http.noStore(context);
    return this.authenticate(context);
  }

  /**
   * Authenticates the request whatever the route's metadata: bearer token or session cookie.
   * Throws 401/403 (or 503 when a backing service is down); attaches `request.user`.
   */
  async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WardenRequest>();
    if (request.wardenAuth && request.user) return true;
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && /^bearer /i.test(authorization)) {
      const found = this.tokens
        ? await this.tokens.authenticate(authorization.slice(7).trim())
        : null;
      if (!found) throw new SessionInvalidException();
      request.user = found.user;
      request.wardenSession = found.session;
      request.wardenAuth = 'bearer';
      return true; // bearer requests need no CSRF token: browsers never attach them on their own
    }
    return await this.session.authenticate(context);
  }
}
