import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto.js';
import { JsonBodyGuard } from '../security/json-body.guard.js';
import { UserResponseDto, toUserResponse } from '../users/user-response.dto.js';
import { UsersService } from '../users/users.service.js';
import { RegisterDto } from './dto/register.dto.js';
import { wardenValidationPipe } from './validation.js';

/** `/auth/*`: the HTTP face of nest-warden (`API.md`). */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly users: UsersService) {}

  @Post('register')
  @HttpCode(201)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({
    type: WardenErrorResponseDto,
    description: 'Invalid body or password policy',
  })
  @ApiConflictResponse({ type: WardenErrorResponseDto, description: 'Email already registered' })
  @ApiUnsupportedMediaTypeResponse({ type: WardenErrorResponseDto })
  @ApiServiceUnavailableResponse({
    type: WardenErrorResponseDto,
    description: 'Database down or hashing queue full; see Retry-After',
  })
  async register(@Body(wardenValidationPipe) body: RegisterDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.register(body));
  }
}
