import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators/auth.decorators.js';
import type { UserResponseDto } from '../users/user-response.dto.js';
import { UserResponseDto as UserResponse, toUserResponse } from '../users/user-response.dto.js';
import { UsersService } from '../users/users.service.js';

/** `GET /admin/users`: how a host app protects a controller with `@Auth(...roles)`. */
@ApiTags('admin')
@Controller('admin')
export class AdminController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @Auth('admin')
  @ApiOperation({ summary: 'All users (admin role)' })
  @ApiOkResponse({ type: [UserResponse] })
  async list(): Promise<UserResponseDto[]> {
    return (await this.users.list({ limit: 500 })).map(toUserResponse);
  }
}
