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
import {
  IS_PUBLIC,
  MFA_REQUIRED,
  RECENT_AUTH,
  ROLES,
  WARDEN_PUBLIC_EXTENSION,
} from '../auth.constants.js';
import { MfaRequiredGuard } from '../guards/mfa-required.guard.js';
import { WardenAuthGuard } from '../guards/warden-auth.guard.js';
import { RecentAuthGuard } from '../guards/recent-auth.guard.js';
import { RolesGuard } from '../guards/roles.guard.js';

/**
 * Opts a route (or every route of a controller) out of a globally installed `WardenAuthGuard`,
 * and marks its Swagger operations public, so that `wardenSwagger` gives them no security entry.
 */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(WARDEN_PUBLIC_EXTENSION, true));

/** Roles of which the user needs at least one (checked by `RolesGuard`). */
export const Roles = (...roles: string[]) => SetMetadata(ROLES, roles);

/** What `@Auth()` requires beyond authentication. */
export interface AuthRequirements {
  /** Roles of which the user needs at least one. */
  roles?: string[];
  /**
   * The session's last credential step (login, `POST /auth/reauth`) must be at most this many
   * seconds old, else 403 `REAUTH_REQUIRED`; `true`: `AuthModule`'s `reauthMaxAgeSeconds`.
   */
  recent?: number | true;
  /** The user must have multi-factor authentication on, else 403 `MFA_REQUIRED`. */
  mfa?: boolean;
}

/**
 * Everything a protected route needs in one decorator: authentication (`WardenAuthGuard`), the
 * roles (any of them), recent authentication when asked, and the Swagger security scheme with
 * its 401/403 responses.
 *
 * ```ts
 * @Auth('admin') @Get('users') list() {}
 * @Auth({ roles: ['admin'], recent: true }) @Delete('users/:id') remove() {}
 * @Auth({ mfa: true, recent: 300 }) @Post('payouts') pay() {}
 * ```
 */
export function Auth(...args: string[] | [AuthRequirements]) {
  const requirements: AuthRequirements =
    typeof args[0] === 'object' ? args[0] : { roles: args as string[] };
  const recent = requirements.recent;
  return applyDecorators(
    SetMetadata(ROLES, requirements.roles ?? []),
    ...(recent !== undefined ? [SetMetadata(RECENT_AUTH, recent)] : []),
    ...(requirements.mfa ? [SetMetadata(MFA_REQUIRED, true)] : []),
    UseGuards(WardenAuthGuard, RolesGuard, RecentAuthGuard, MfaRequiredGuard),
    ApiCookieAuth('session'),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({
      type: WardenErrorResponseDto,
      description: 'SESSION_INVALID: not authenticated',
    }),
    ApiForbiddenResponse({
      type: WardenErrorResponseDto,
      description: [
        'CSRF_INVALID (cookie and unsafe method)',
        'FORBIDDEN_ROLE',
        ...(recent !== undefined ? ['REAUTH_REQUIRED: confirm with POST /auth/reauth first'] : []),
        ...(requirements.mfa ? ['MFA_REQUIRED: the user has no multi-factor authentication'] : []),
      ].join(', or '),
    }),
    ApiServiceUnavailableResponse({
      type: WardenErrorResponseDto,
      description: 'SERVICE_UNAVAILABLE: Redis or the database is down; see Retry-After',
    }),
  );
}
