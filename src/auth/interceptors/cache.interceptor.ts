import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { from, switchMap } from 'rxjs';
import { HttpContext } from '../../core/http-context.js';
import { WardenAuthGuard } from '../guards/warden-auth.guard.js';
import type { WardenRequest } from '../warden-request.js';

/**
 * Optional authentication with cache-aside user loading, for routes open to everyone that
 * still want to know who is asking (`@Public()` pages that greet a signed-in user). When the
 * request carries a cookie or a bearer token that checks out, `request.user` is the user, loaded
 * through `CachedUsers` (no database query on a cache hit); otherwise the request goes on
 * anonymous. A backing service that is down is still a 503, never a silent anonymous pass.
 * A response to a request it authenticated is `Cache-Control: no-store`; an anonymous one is
 * left to the route.
 *
 * ```ts
 * @Public() @UseInterceptors(CacheInterceptor) @Get('home') home(@CurrentUser() user?: CachedUser) {}
 * ```
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor {
  constructor(
    private readonly auth: WardenAuthGuard,
    private readonly http: HttpContext,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<WardenRequest>();
    const hasCredential = Boolean(request.headers.cookie || request.headers.authorization);
    if (request.user || !hasCredential) return next.handle();
    return from(this.tryAuthenticate(context)).pipe(switchMap(() => next.handle()));
  }

  private async tryAuthenticate(context: ExecutionContext): Promise<void> {
    try {
      await this.auth.authenticate(context);
      this.http.noStore(context);
    } catch (error) {
      if (error instanceof UnauthorizedException || error instanceof ForbiddenException) return;
      throw error;
    }
  }
}
