import {
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Optional,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { SessionInvalidException } from '../errors/warden.exceptions.js';
import { SecurityEvents, WardenEvent } from '../security/security-events.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import type { TokenPair } from '../tokens/token.service.js';
import { TokenService } from '../tokens/token.service.js';
import type { UserRecord } from '../users/user.record.js';
import { Public } from './decorators/auth.decorators.js';
import { CurrentUser } from './decorators/current.decorators.js';
import { RefreshTokenDto, TokenPairDto } from './dto/refresh-token.dto.js';
import { LocalAuthGuard } from './guards/local-auth.guard.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import type { WardenRequest } from './http-context.js';
import { wardenValidationPipe } from './validation.js';

/** `/auth/token*`: bearer tokens for API clients, bound to server sessions. */
@ApiTags('tokens')
@Controller('auth/token')
@Public()
@UseGuards(NoStoreGuard)
export class TokensController {
  constructor(
    private readonly events: SecurityEvents,
    @Optional() private readonly tokens?: TokenService,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard, LocalAuthGuard)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiBadRequestResponse({ type: WardenErrorResponseDto })
  @ApiUnauthorizedResponse({ type: WardenErrorResponseDto, description: 'INVALID_CREDENTIALS' })
  @ApiServiceUnavailableResponse({ type: WardenErrorResponseDto })
  async token(@Req() request: WardenRequest, @CurrentUser() user: UserRecord): Promise<TokenPair> {
    const userAgent = request.headers['user-agent'];
    const pair = await this.service().issue(user, {
      ip: request.ip ?? null,
      userAgent: typeof userAgent === 'string' ? userAgent : null,
    });
    this.events.emit(WardenEvent.LOGIN_SUCCEEDED, {
      userId: user.id,
      ip: request.ip ?? null,
      reason: 'token',
    });
    return pair;
  }

  @Post('refresh')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Rotate a refresh token; a spent one revokes the whole family' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ type: WardenErrorResponseDto })
  async refresh(@Body(wardenValidationPipe) body: RefreshTokenDto): Promise<TokenPair> {
    const pair = await this.service().refresh(body.refreshToken);
    if (!pair) throw new SessionInvalidException();
    return pair;
  }

  @Post('revoke')
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Revoke a refresh token and its session (access tokens die with it)' })
  @ApiNoContentResponse()
  async revoke(@Body(wardenValidationPipe) body: RefreshTokenDto): Promise<void> {
    await this.service().revoke(body.refreshToken);
  }

  private service(): TokenService {
    if (!this.tokens) throw new NotFoundException('Token authentication is not enabled');
    return this.tokens;
  }
}
