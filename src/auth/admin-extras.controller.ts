import { Controller, Delete, Get, HttpCode, Param, Query, UseGuards } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AuditLog } from '../audit/audit-log.js';
import { SecurityEvents } from '../core/security-events.js';
import { ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { MfaService } from '../mfa/mfa.service.js';
import type { CachedUser } from '../users/user-cache.js';
import { UsersService } from '../users/users.service.js';
import { adminAction, findUser } from './admin.controller.js';
import { Auth } from './decorators/auth.decorators.js';
import { CurrentUser } from './decorators/current.decorators.js';
import { AuditRecordDto, queryString } from './dto/admin.dto.js';
import { AdminGuard } from './guards/admin.guard.js';
import { NoStoreGuard } from './guards/no-store.guard.js';

/** `DELETE /admin/users/:id/mfa`: mounted with both `admin` and `mfa`. */
@ApiTags('admin')
@Controller('admin')
@UseGuards(NoStoreGuard, AdminGuard)
export class AdminMfaController {
  constructor(
    private readonly users: UsersService,
    private readonly mfa: MfaService,
    private readonly events: SecurityEvents,
  ) {}

  @Delete('users/:id/mfa')
  @HttpCode(204)
  @Auth({ recent: true })
  @ApiOperation({
    summary: "Reset the user's MFA (lost device): off, secret and recovery codes gone, signed out",
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: WardenErrorResponseDto, description: 'USER_NOT_FOUND' })
  async resetMfa(@CurrentUser() admin: CachedUser, @Param('id') id: string): Promise<void> {
    const user = await findUser(this.users, id);
    await this.mfa.reset(user.id);
    adminAction(this.events, admin, user.id, 'mfa-reset', 'success');
  }
}

/** `GET /admin/audit`: mounted with both `admin` and `audit`. */
@ApiTags('admin')
@Controller('admin')
@UseGuards(NoStoreGuard, AdminGuard)
export class AdminAuditController {
  constructor(private readonly auditLog: AuditLog) {}

  @Get('audit')
  @Auth()
  @ApiOperation({ summary: 'The audit log, newest first' })
  @ApiQuery({ name: 'userId', required: false, description: 'as subject or as the acting admin' })
  @ApiQuery({ name: 'limit', required: false, description: '1..100, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'ms since the epoch: older only' })
  @ApiOkResponse({ type: [AuditRecordDto] })
  @ApiJsonBodyErrors('VALIDATION_FAILED: userId, limit or before out of range')
  async records(@Query() query: Record<string, unknown>): Promise<AuditRecordDto[]> {
    const text = (name: string) => queryString(name, query[name], 64);
    const records = await this.auditLog.read({
      userId: text('userId'),
      limit: text('limit'),
      before: text('before'),
    });
    return records.map((record) => ({ ...record, at: new Date(record.at).toISOString() }));
  }
}
