import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Auth, Public } from './decorators/auth.decorators.js';
import { CurrentUser } from './decorators/current.decorators.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import { wardenValidationPipe } from './validation.js';
import type { WardenRequest } from './warden-request.js';
import { HttpContext } from '../core/http-context.js';
import { ApiJsonBodyErrors } from '../errors/api-error-responses.js';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import type { CachedUser } from '../users/user-cache.js';
import {
  AcceptedResponseDto,
  AccountTokenDto,
  ChangeEmailDto,
  ForgotPasswordDto,
  ResetPasswordDto,
} from './dto/account.dto.js';
import { AccountService } from '../account/account.service.js';

const TOKEN_ERRORS =
  'TOKEN_INVALID: unknown, used, expired or other-purpose token; VALIDATION_FAILED';
const TOO_MANY = {
  type: WardenErrorResponseDto,
  description: 'TOO_MANY_ATTEMPTS; see Retry-After',
};
const UNAVAILABLE = {
  type: WardenErrorResponseDto,
  description: 'SERVICE_UNAVAILABLE: the database or Redis is down; see Retry-After',
};

/** The account lifecycle over mail (`API.md`, Account lifecycle): mounted with `account`. */
@ApiTags('account')
@Controller('auth')
@UseGuards(NoStoreGuard)
export class AccountController {
  constructor(
    private readonly account: AccountService,
    private readonly http: HttpContext,
  ) {}

  @Post('email/verify')
  @Public()
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Verify the address with the token from the verification mail' })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors(TOKEN_ERRORS)
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async verify(@Body(wardenValidationPipe) body: AccountTokenDto): Promise<void> {
    await this.account.verifyEmail(body.token);
  }

  @Post('email/verify/resend')
  @HttpCode(202)
  @Auth()
  @ApiOperation({ summary: 'Send a fresh verification mail (while unverified; one a minute)' })
  @ApiAcceptedResponse({ type: AcceptedResponseDto })
  @ApiTooManyRequestsResponse(TOO_MANY)
  async resend(@CurrentUser() user: CachedUser): Promise<AcceptedResponseDto> {
    await this.account.resendVerification(user);
    return {};
  }

  @Post('password/forgot')
  @Public()
  @HttpCode(202)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Mail a password reset link; the same answer whether the account exists or not',
  })
  @ApiAcceptedResponse({ type: AcceptedResponseDto })
  @ApiJsonBodyErrors()
  @ApiTooManyRequestsResponse(TOO_MANY)
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async forgot(
    @Body(wardenValidationPipe) body: ForgotPasswordDto,
    @Req() request: WardenRequest,
  ): Promise<AcceptedResponseDto> {
    await this.account.forgotPassword(body.email, this.http.clientIp(request));
    return {};
  }

  @Post('password/reset')
  @Public()
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Set a new password with a reset token; ends every session and refresh token',
  })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors(`${TOKEN_ERRORS}; PASSWORD_POLICY (the token stays unspent)`)
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async reset(@Body(wardenValidationPipe) body: ResetPasswordDto): Promise<void> {
    await this.account.resetPassword(body.token, body.newPassword);
  }

  @Post('email/change')
  @HttpCode(202)
  @UseGuards(JsonBodyGuard)
  @Auth({ recent: true })
  @ApiOperation({
    summary: 'Ask to change the address: a link to the new one, a notice to the old one',
  })
  @ApiAcceptedResponse({ type: AcceptedResponseDto, description: 'Also for a taken address' })
  @ApiJsonBodyErrors('VALIDATION_FAILED or EMAIL_INVALID')
  @ApiTooManyRequestsResponse(TOO_MANY)
  async changeEmail(
    @CurrentUser() user: CachedUser,
    @Body(wardenValidationPipe) body: ChangeEmailDto,
  ): Promise<AcceptedResponseDto> {
    await this.account.requestEmailChange(user, body.newEmail);
    return {};
  }

  @Post('email/change/confirm')
  @Public()
  @HttpCode(204)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Confirm the new address with the token mailed to it' })
  @ApiNoContentResponse()
  @ApiJsonBodyErrors(`${TOKEN_ERRORS}; also when the address was taken meanwhile`)
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async confirmEmailChange(@Body(wardenValidationPipe) body: AccountTokenDto): Promise<void> {
    await this.account.confirmEmailChange(body.token);
  }
}
