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
import { WardenErrorResponseDto } from '../errors/warden-error-response.dto';
import { JsonBodyGuard } from '../security/json-body.guard';
import { UserResponseDto, toUserResponse } from '../users/user-response.dto';
import { UsersService } from '../users/users.service';
import { RegisterDto } from './dto/register.dto';
import { wardenValidationPipe } from './validation';

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
  @ApiBadRequestResponse({ type: WardenErrorResponseDto, description: 'Invalid body or password policy' })
  @ApiConflictResponse({ type: WardenErrorResponseDto, description: 'Email already registered' })
  @ApiUnsupportedMediaTypeResponse({ type: WardenErrorResponseDto })
  @ApiServiceUnavailableResponse({ type: WardenErrorResponseDto, description: 'Database down or hashing queue full; see Retry-After' })
  async register(@Body(wardenValidationPipe) body: RegisterDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.register(body));
  }
}
