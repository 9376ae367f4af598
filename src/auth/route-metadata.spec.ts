import { jest } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FakeClock } from '../../test/support/fake-clock.js';
import {
  ForbiddenRoleException,
  MfaRequiredException,
  ReauthRequiredException,
  SessionInvalidException,
} from '../errors/warden.exceptions.js';
import { Auth, Public, Roles } from './decorators/auth.decorators.js';
import { MfaRequiredGuard } from './guards/mfa-required.guard.js';
import { RecentAuthGuard } from './guards/recent-auth.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { WardenAuthGuard } from './guards/warden-auth.guard.js';
import { ROLES } from './auth.constants.js';
import { RouteMetadata } from './route-metadata.js';

@Roles('staff')
@Controller('a')
class AController {
  @Get('open') @Auth() open() {}
  @Get('admin') @Auth('admin') admin() {}
  @Get('recent') @Auth({ recent: 60 }) recent() {}
  @Get('mfa') @Auth({ mfa: true }) mfa() {}
  @Get('class-roles') classRoles() {}
  @Get('public') @Public() free() {}
}

/** Inherits `classRoles` from AController, meeting other class-level metadata here. */
@Roles('auditor')
@Controller('b')
class BController extends AController {}

@Public()
@Controller('c')
class PublicController {
  @Get() anything() {}
}

function context(type: object, handler: string, request: object = {}): ExecutionContext {
  const method = (type as { prototype: Record<string, unknown> }).prototype[handler];
  return {
    getHandler: () => method,
    getClass: () => type,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

const user = (roles: string[], mfaEnabled = false) => ({ roles, mfaEnabled });

describe('RouteMetadata and the guards that read it on every request', () => {
  const reflector = new Reflector();
  const clock = new FakeClock(Date.UTC(2026, 5, 1));

  it('honours each route of a class, however often asked and in whatever order', () => {
    const guard = new RolesGuard(reflector);
    for (let i = 0; i < 3; i++) {
      expect(guard.canActivate(context(AController, 'open', { user: user([]) }))).toBe(true);
      expect(() =>
        guard.canActivate(context(AController, 'admin', { user: user(['user']) })),
      ).toThrow(ForbiddenRoleException);
      expect(guard.canActivate(context(AController, 'admin', { user: user(['admin']) }))).toBe(
        true,
      );
      // No @Auth() on the handler: the class's @Roles('staff').
      expect(() =>
        guard.canActivate(context(AController, 'classRoles', { user: user(['admin']) })),
      ).toThrow(ForbiddenRoleException);
      expect(guard.canActivate(context(AController, 'classRoles', { user: user(['staff']) }))).toBe(
        true,
      );
    }
  });

  it('keeps an inherited handler apart per class: the subclass metadata applies there', () => {
    const guard = new RolesGuard(reflector);
    const staff = { user: user(['staff']) };
    const auditor = { user: user(['auditor']) };
    for (let i = 0; i < 2; i++) {
      expect(guard.canActivate(context(AController, 'classRoles', staff))).toBe(true);
      expect(() => guard.canActivate(context(BController, 'classRoles', staff))).toThrow(
        ForbiddenRoleException,
      );
      expect(guard.canActivate(context(BController, 'classRoles', auditor))).toBe(true);
      expect(() => guard.canActivate(context(AController, 'classRoles', auditor))).toThrow(
        ForbiddenRoleException,
      );
    }
  });

  it('asks only for the recent and MFA requirements on the routes that have them', () => {
    const recent = new RecentAuthGuard(reflector, 300, clock);
    const mfa = new MfaRequiredGuard(reflector);
    const stale = { wardenSession: { authTime: clock.now() - 120_000 }, user: user([]) };
    for (let i = 0; i < 2; i++) {
      expect(recent.canActivate(context(AController, 'open', stale))).toBe(true);
      expect(() => recent.canActivate(context(AController, 'recent', stale))).toThrow(
        ReauthRequiredException,
      );
      expect(mfa.canActivate(context(AController, 'open', stale))).toBe(true);
      expect(() => mfa.canActivate(context(AController, 'mfa', stale))).toThrow(
        MfaRequiredException,
      );
      expect(mfa.canActivate(context(AController, 'mfa', { user: user([], true) }))).toBe(true);
    }
  });

  it('lets @Public() routes through WardenAuthGuard, per handler and per class, and no other', async () => {
    const session = {
      authenticate: jest.fn(async () => Promise.reject(new SessionInvalidException())),
    };
    const http = { noStore: () => undefined };
    const guard = new WardenAuthGuard(reflector, session as never, http as never);
    for (let i = 0; i < 2; i++) {
      await expect(guard.canActivate(context(AController, 'free', { headers: {} }))).resolves.toBe(
        true,
      );
      await expect(
        guard.canActivate(context(PublicController, 'anything', { headers: {} })),
      ).resolves.toBe(true);
      await expect(
        guard.canActivate(context(AController, 'open', { headers: {} })),
      ).rejects.toBeInstanceOf(SessionInvalidException);
    }
    expect(session.authenticate).toHaveBeenCalledTimes(2);
  });

  it('reads the reflector once per route and class', () => {
    const counting = new Reflector();
    const read = jest.spyOn(counting, 'getAllAndOverride');
    const roles = new RouteMetadata<string[]>(counting, ROLES);
    for (let i = 0; i < 5; i++) {
      expect(roles.get(context(AController, 'admin'))).toEqual(['admin']);
      expect(roles.get(context(BController, 'classRoles'))).toEqual(['auditor']);
    }
    expect(read).toHaveBeenCalledTimes(2);
  });
});
