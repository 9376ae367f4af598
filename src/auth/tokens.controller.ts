import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  getSchemaPath,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiCredentialErrors, ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { SessionInvalidException } from '../errors/warden.exceptions.js';
import { LoginService } from './login.service.js';
import type { MfaTokenChallenge } from './login.service.js';
import { MfaTokenChallengeDto } from './dto/mfa.dto.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import type { TokenPair } from '../tokens/token.service.js';
import { TokenService } from '../tokens/token.service.js';
import type { CachedUser } from '../users/user-cache.js';
import { Public } from './decorators/auth.decorators.js';
import { CurrentUser } from './decorators/current.decorators.js';
import { RefreshTokenDto, TokenPairDto } from './dto/refresh-token.dto.js';
import { LocalAuthGuard } from './guards/local-auth.guard.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import type { WardenRequest } from './warden-request.js';
import { wardenValidationPipe } from './validation.js';

const UNAVAILABLE = 'SERVICE_UNAVAILABLE: Redis is down; see Retry-After';

/** `/auth/token*`: bearer tokens for API clients, bound to server sessions. */
@ApiTags('tokens')
@Controller('auth/token')
@Public()
@UseGuards(NoStoreGuard)
export class TokensController {
  constructor(
    private readonly tokens: TokenService,
    private readonly logins: LoginService,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard, LocalAuthGuard)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiOkResponse({
    description:
      'A token pair; for a user with MFA `{ mfaRequired: true, mfaToken }` instead: complete with POST /auth/token/mfa',
    schema: {
      oneOf: [{ $ref: getSchemaPath(TokenPairDto) }, { $ref: getSchemaPath(MfaTokenChallengeDto) }],
    },
  })
  @ApiExtraModels(TokenPairDto, MfaTokenChallengeDto)
  @ApiCredentialErrors()
  async token(
    @Req() request: WardenRequest,
    @CurrentUser() user: CachedUser,
  ): Promise<TokenPair | MfaTokenChallenge> {
    return this.logins.tokenLogin(user, request);
  }

  @Post('refresh')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Rotate a refresh token; a spent one revokes the whole family' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiJsonBodyErrors()
  @ApiUnauthorizedResponse({
    type: WardenErrorResponseDto,
    description:
      'SESSION_INVALID: unknown, expired or spent refresh token (a spent one revokes the family)',
  })
  @ApiServiceUnavailableResponse({ type: WardenErrorResponseDto, description: UNAVAILABLE })
  async refresh(@Body(wardenValidationPipe) body: RefreshTokenDto): Promise<TokenPair> {
    const pair = await this.tokens.refresh(body.refreshToken);
    if (!pair) throw new SessionInvalidException();
    return pair;
  }

  @Post('revoke')
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Revoke a refresh token and its session (access tokens die with it)' })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors()
  @ApiServiceUnavailableResponse({ type: WardenErrorResponseDto, description: UNAVAILABLE })
  async revoke(@Body(wardenValidationPipe) body: RefreshTokenDto): Promise<void> {
    await this.tokens.revoke(body.refreshToken);
  }
}
