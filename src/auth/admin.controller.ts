import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import {
  SelfLockoutException,
  UserNotFoundException,
  ValidationFailedException,
} from '../errors/warden.exceptions.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import { SessionService } from '../session/session.service.js';
import type { CachedUser } from '../users/user-cache.js';
import type { UserRecord } from '../users/user.record.js';
import { toUserResponse, UserResponseDto } from '../users/user-response.dto.js';
import { UsersService } from '../users/users.service.js';
import { WARDEN_ADMIN_ROLE } from './auth.constants.js';
import { Auth } from './decorators/auth.decorators.js';
import { CurrentUser } from './decorators/current.decorators.js';
import { AdminUserPatchDto, AdminUserResponseDto, queryInt, queryString } from './dto/admin.dto.js';
import { AdminGuard } from './guards/admin.guard.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import { wardenValidationPipe } from './validation.js';

const NOT_FOUND = { type: WardenErrorResponseDto, description: 'USER_NOT_FOUND' };

/**
 * The admin API (`API.md`, Administration): mounted with `admin`, for users with its role.
 * Reads need the role; every write also needs recent auth and emits `warden.admin.action` naming
 * the admin (`actorId`), the target (`userId`), the action and its result.
 */
@ApiTags('admin')
@Controller('admin')
@UseGuards(NoStoreGuard, AdminGuard)
export class AdminController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
    private readonly events: SecurityEvents,
    @Inject(WARDEN_ADMIN_ROLE) private readonly role: string,
  ) {}

  @Get('users')
  @Auth()
  @ApiOperation({ summary: 'Users, oldest first; with q, those whose email starts with it' })
  @ApiQuery({ name: 'limit', required: false, description: '1..100, default 50' })
  @ApiQuery({ name: 'offset', required: false, description: '≥ 0, default 0' })
  @ApiQuery({ name: 'q', required: false, description: 'email prefix, literal (no wildcards)' })
  @ApiOkResponse({ type: [UserResponseDto] })
  @ApiJsonBodyErrors('VALIDATION_FAILED: limit, offset or q out of range')
  async list(@Query() query: Record<string, unknown>): Promise<UserResponseDto[]> {
    const limit = queryInt('limit', query.limit, { min: 1, max: 100, fallback: 50 });
    const offset = queryInt('offset', query.offset, { min: 0, max: 1_000_000, fallback: 0 });
    const emailPrefix = queryString('q', query.q, 254);
    return (await this.users.list({ limit, offset, emailPrefix })).map(toUserResponse);
  }

  @Get('users/:id')
  @Auth()
  @ApiOperation({ summary: 'One user, with isActive, lastLoginAt and the live session count' })
  @ApiOkResponse({ type: AdminUserResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async get(@Param('id') id: string): Promise<AdminUserResponseDto> {
    return this.detail(await this.found(id));
  }

  @Patch('users/:id')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @Auth({ recent: true })
  @ApiOperation({
    summary: "Change roles and/or isActive; effective on the user's next request everywhere",
  })
  @ApiOkResponse({ type: AdminUserResponseDto })
  @ApiJsonBodyErrors()
  @ApiNotFoundResponse(NOT_FOUND)
  async patch(
    @CurrentUser() admin: CachedUser,
    @Param('id') id: string,
    @Body(wardenValidationPipe) body: AdminUserPatchDto,
  ): Promise<AdminUserResponseDto> {
    if (body.roles === undefined && body.isActive === undefined) {
      throw new ValidationFailedException(['give roles, isActive or both']);
    }
    let user = await this.found(id);
    const self = user.id === admin.id;
    if (self && ((body.roles && !body.roles.includes(this.role)) || body.isActive === false)) {
      this.audit(admin, user.id, 'update', 'refused');
      throw new SelfLockoutException();
    }
    if (body.roles) user = (await this.users.setRoles(user.id, body.roles)) ?? user;
    if (body.isActive === false && user.isActive) {
      user = (await this.users.deactivate(user.id)) ?? user;
      this.revoked(user.id, await this.sessions.revokeAll(user.id));
    } else if (body.isActive === true && !user.isActive) {
      user = (await this.users.activate(user.id)) ?? user;
    }
    const action = [body.roles && 'roles', body.isActive !== undefined && 'activity'];
    this.audit(admin, user.id, action.filter(Boolean).join('+'), 'success');
    return this.detail(user);
  }

  @Delete('users/:id/sessions')
  @HttpCode(204)
  @Auth({ recent: true })
  @ApiOperation({ summary: 'Sign the user out everywhere: every session and refresh token' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_FOUND)
  async signOut(@CurrentUser() admin: CachedUser, @Param('id') id: string): Promise<void> {
    const user = await this.found(id);
    this.revoked(user.id, await this.sessions.revokeAll(user.id));
    this.audit(admin, user.id, 'sign-out', 'success');
  }

  @Post('users/:id/unlock')
  @HttpCode(204)
  @Auth({ recent: true })
  @ApiOperation({ summary: "Lift the account's login lockout (also the long-term one)" })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_FOUND)
  async unlock(@CurrentUser() admin: CachedUser, @Param('id') id: string): Promise<void> {
    const user = await this.found(id);
    await this.throttle.unlock(user.email);
    this.audit(admin, user.id, 'unlock', 'success');
  }

  private revoked(userId: string, sessions: { handle: string }[]): void {
    for (const old of sessions) {
      this.events.emit(WardenEvent.SESSION_REVOKED, {
        userId,
        sessionId: old.handle,
        reason: 'admin',
      });
    }
  }

  private found(id: string): Promise<UserRecord> {
    return findUser(this.users, id);
  }

  private async detail(user: UserRecord): Promise<AdminUserResponseDto> {
    return {
      ...toUserResponse(user),
      isActive: user.isActive,
      lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
      // From the per-user index: no SCAN.
      sessions: (await this.sessions.list(user.id)).length,
    };
  }

  private audit(
    admin: CachedUser,
    userId: string,
    action: string,
    result: 'success' | 'refused',
  ): void {
    adminAction(this.events, admin, userId, action, result);
  }
}

/** The user with this id, or 404 `USER_NOT_FOUND`. */
export async function findUser(users: UsersService, id: string): Promise<UserRecord> {
  const user = await users.findById(id);
  if (!user) throw new UserNotFoundException();
  return user;
}

/** Emits `warden.admin.action`: the admin, the target, the action and its result. */
export function adminAction(
  events: SecurityEvents,
  admin: CachedUser,
  userId: string,
  action: string,
  result: 'success' | 'refused',
): void {
  events.emit(WardenEvent.ADMIN_ACTION, { actorId: admin.id, userId, action, result });
}
