import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import type { WardenRequest } from '../../core/http-context.js';

/** The authenticated user (a `UserRecord`; map it with `toUserResponse()` before sending). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<WardenRequest>().user,
);

/** The session of a cookie-authenticated request (`ActiveSession`). */
export const CurrentSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<WardenRequest>().wardenSession,
);
