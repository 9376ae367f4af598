import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MfaRequiredException, SessionInvalidException } from '../../errors/warden.exceptions.js';
import { MFA_REQUIRED } from '../auth.constants.js';
import { RouteMetadata } from '../route-metadata.js';
import type { WardenRequest } from '../warden-request.js';

/**
 * 403 `MFA_REQUIRED` on routes marked `@Auth({ mfa: true })` for a user without multi-factor
 * authentication. Runs after authentication; other routes pass.
 */
@Injectable()
export class MfaRequiredGuard implements CanActivate {
  private readonly required: RouteMetadata<boolean>;

  constructor(reflector: Reflector) {
    this.required = new RouteMetadata(reflector, MFA_REQUIRED);
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.required.get(context);
    if (!required) return true;
    const user = context.switchToHttp().getRequest<WardenRequest>().user;
    if (!user) throw new SessionInvalidException();
    if (!user.mfaEnabled) throw new MfaRequiredException();
    return true;
  }
}
