import { Controller, Delete, Get, HttpCode, Param, UseGuards } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { SessionNotFoundException } from '../errors/warden.exceptions.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import type { ActiveSession } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import type { CachedUser } from '../users/user-cache.js';
import { Auth } from './decorators/auth.decorators.js';
import { CurrentSession, CurrentUser } from './decorators/current.decorators.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import type { SessionResponseDto } from './dto/session-response.dto.js';
import {
  SessionResponseDto as SessionResponse,
  toSessionResponse,
} from './dto/session-response.dto.js';

/** `/auth/sessions`: the caller's own sessions, by public handle. */
@ApiTags('auth')
@Controller('auth/sessions')
@UseGuards(NoStoreGuard)
@Auth()
export class SessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly events: SecurityEvents,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's live sessions" })
  @ApiOkResponse({ type: [SessionResponse] })
  async list(
    @CurrentUser() user: CachedUser,
    @CurrentSession() current?: ActiveSession,
  ): Promise<SessionResponseDto[]> {
    const records = await this.sessions.list(user.id);
    return records.map((record) => toSessionResponse(record, current?.handle));
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke all the caller's sessions but the current one" })
  @ApiNoContentResponse()
  async revokeOthers(
    @CurrentUser() user: CachedUser,
    @CurrentSession() current?: ActiveSession,
  ): Promise<void> {
    for (const old of await this.sessions.revokeAll(user.id, { except: current?.handle })) {
      this.events.emit(WardenEvent.SESSION_REVOKED, {
        userId: user.id,
        sessionId: old.handle,
        reason: 'revoked',
      });
    }
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke one of the caller's sessions" })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: WardenErrorResponseDto, description: 'SESSION_NOT_FOUND' })
  async revoke(@CurrentUser() user: CachedUser, @Param('id') handle: string): Promise<void> {
    if (!/^[A-Za-z0-9_-]{11}$/.test(handle) || !(await this.sessions.revoke(user.id, handle))) {
      throw new SessionNotFoundException();
    }
    this.events.emit(WardenEvent.SESSION_REVOKED, {
      userId: user.id,
      sessionId: handle,
      reason: 'revoked',
    });
  }
}
