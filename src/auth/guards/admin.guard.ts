import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { ForbiddenRoleException, SessionInvalidException } from '../../errors/warden.exceptions.js';
import { WARDEN_ADMIN_ROLE } from '../auth.constants.js';
import type { WardenRequest } from '../warden-request.js';
import { WardenAuthGuard } from './warden-auth.guard.js';

/**
 * The admin API's gate: authenticates the request (cookie or bearer, like `WardenAuthGuard`)
 * and requires the role named by `AuthModule`'s `admin.role`: 401 without a credential, 403
 * `FORBIDDEN_ROLE` without the role.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly auth: WardenAuthGuard,
    @Inject(WARDEN_ADMIN_ROLE) private readonly role: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.auth.authenticate(context);
    const user = context.switchToHttp().getRequest<WardenRequest>().user;
    if (!user) throw new SessionInvalidException();
    if (!user.roles.includes(this.role)) throw new ForbiddenRoleException();
    return true;
  }
}
