import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import type { WardenRequest } from '../warden-request.js';

/**
 * The authenticated user, as the guards loaded it: a `CachedUser` (public fields, roles,
 * `isActive`, `authVersion`; never the password hash). Map it with `toUserResponse()` before
 * sending it. `undefined` on a public route nobody authenticated.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<WardenRequest>().user,
);

/** The session behind the request (`ActiveSession`): a cookie session, or a bearer token's token session. */
export const CurrentSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<WardenRequest>().wardenSession,
);
