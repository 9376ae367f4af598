import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import type { TokenPair } from '../tokens/token.service.js';
import { Public } from './decorators/auth.decorators.js';
import { mfaProof, MfaTokenLoginDto } from './dto/mfa.dto.js';
import { TokenPairDto } from './dto/refresh-token.dto.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import { LoginService } from './login.service.js';
import { wardenValidationPipe } from './validation.js';
import type { WardenRequest } from './warden-request.js';

/** `POST /auth/token/mfa`: mounted when both `tokens` and `mfa` are. */
@ApiTags('tokens')
@Controller('auth/token')
@Public()
@UseGuards(NoStoreGuard)
export class MfaTokensController {
  constructor(private readonly logins: LoginService) {}

  @Post('mfa')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Complete a token login with a code: the token pair' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiJsonBodyErrors('VALIDATION_FAILED: mfaToken and exactly one of code and recoveryCode')
  @ApiUnauthorizedResponse({
    type: WardenErrorResponseDto,
    description:
      'MFA_INVALID: wrong code, or an mfaToken that is forged, expired, used, from another client or past its 5th wrong code',
  })
  @ApiTooManyRequestsResponse({
    type: WardenErrorResponseDto,
    description: 'TOO_MANY_ATTEMPTS or ACCOUNT_LOCKED; see Retry-After',
  })
  token(
    @Body(wardenValidationPipe) body: MfaTokenLoginDto,
    @Req() request: WardenRequest,
  ): Promise<TokenPair> {
    return this.logins.completeTokenMfa(body.mfaToken, mfaProof(body), request);
  }
}
