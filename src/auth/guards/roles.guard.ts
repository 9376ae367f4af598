import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenRoleException, SessionInvalidException } from '../../errors/warden.exceptions.js';
import { ROLES } from '../auth.constants.js';
import { RouteMetadata } from '../route-metadata.js';
import type { WardenRequest } from '../warden-request.js';

/** 403 `FORBIDDEN_ROLE` unless the user has one of the `@Roles()`; runs after authentication. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly roles: RouteMetadata<string[]>;

  constructor(reflector: Reflector) {
    this.roles = new RouteMetadata(reflector, ROLES);
  }

  canActivate(context: ExecutionContext): boolean {
    const roles = this.roles.get(context);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<WardenRequest>().user;
    if (!user) throw new SessionInvalidException();
    if (!roles.some((role) => user.roles.includes(role))) throw new ForbiddenRoleException();
    return true;
  }
}
