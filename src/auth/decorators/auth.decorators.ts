import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiExtension,
  ApiForbiddenResponse,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { WardenErrorResponseDto } from '../../errors/warden-error-response.dto.js';
import { IS_PUBLIC, ROLES, WARDEN_PUBLIC_EXTENSION } from '../auth.constants.js';
import { WardenAuthGuard } from '../guards/warden-auth.guard.js';
import { RolesGuard } from '../guards/roles.guard.js';

/**
 * Opts a route (or every route of a controller) out of a globally installed `WardenAuthGuard`,
 * and marks its Swagger operations public, so that `wardenSwagger` gives them no security entry.
 */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(WARDEN_PUBLIC_EXTENSION, true));

/** Roles of which the user needs at least one (checked by `RolesGuard`). */
export const Roles = (...roles: string[]) => SetMetadata(ROLES, roles);

/**
 * Everything a protected route needs in one decorator: authentication (`WardenAuthGuard`), the roles
 * (any of them), and the Swagger security scheme with its 401/403 responses.
 *
 * ```ts
 * @Auth('admin') @Get('users') list() {}
 * ```
 */
export function Auth(...roles: string[]) {
  return applyDecorators(
    SetMetadata(ROLES, roles),
    UseGuards(WardenAuthGuard, RolesGuard),
    ApiCookieAuth('session'),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({
      type: WardenErrorResponseDto,
      description: 'SESSION_INVALID: not authenticated',
    }),
    ApiForbiddenResponse({
      type: WardenErrorResponseDto,
      description: 'CSRF_INVALID (cookie and unsafe method) or FORBIDDEN_ROLE',
    }),
    ApiServiceUnavailableResponse({
      type: WardenErrorResponseDto,
      description: 'SERVICE_UNAVAILABLE: Redis or the database is down; see Retry-After',
    }),
  );
}
