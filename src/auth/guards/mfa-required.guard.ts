import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MfaRequiredException, SessionInvalidException } from '../../errors/warden.exceptions.js';
import { MFA_REQUIRED } from '../auth.constants.js';
import type { WardenRequest } from '../warden-request.js';

/**
 * 403 `MFA_REQUIRED` on routes marked `@Auth({ mfa: true })` for a user without multi-factor
 * authentication. Runs after authentication; other routes pass.
 */
@Injectable()
export class MfaRequiredGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<boolean | undefined>(MFA_REQUIRED, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required) return true;
    const user = context.switchToHttp().getRequest<WardenRequest>().user;
    if (!user) throw new SessionInvalidException();
    if (!user.mfaEnabled) throw new MfaRequiredException();
    return true;
  }
}
