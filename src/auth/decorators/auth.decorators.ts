import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { WardenErrorResponseDto } from '../../errors/warden-error-response.dto.js';
import { IS_PUBLIC, ROLES } from '../auth.constants.js';
import { WardenAuthGuard } from '../guards/warden-auth.guard.js';
import { RolesGuard } from '../guards/roles.guard.js';

/** Opts a route out of a globally installed `WardenAuthGuard`. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

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
    ApiUnauthorizedResponse({ type: WardenErrorResponseDto, description: 'Not authenticated' }),
    ApiForbiddenResponse({
      type: WardenErrorResponseDto,
      description: 'CSRF failure or missing role',
    }),
  );
}
