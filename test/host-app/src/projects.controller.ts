import { Body, Controller, Get, Post } from '@nestjs/common';
import type { CachedUser, UserResponseDto } from 'nest-warden';
import { Auth, CurrentUser, toUserResponse, UsersService } from 'nest-warden';

// @Auth(...roles): authentication (the session cookie, with the X-CSRF-Token header on unsafe
// methods, or a bearer token), any of the roles, and the Swagger security scheme with 401/403.
@Controller('projects')
export class ProjectsController {
  constructor(private readonly users: UsersService) {}

  @Auth()
  @Get()
  list(@CurrentUser() user: CachedUser) {
    // user: id, email, displayName, roles, isActive, authVersion, createdAt; never the hash
    return { owner: user.email, projects: [] };
  }

  @Auth()
  @Post()
  create(@CurrentUser() user: CachedUser, @Body('name') name: string) {
    return { name, owner: user.id };
  }

  @Auth('admin')
  @Get('members')
  async members(): Promise<UserResponseDto[]> {
    return (await this.users.list({ limit: 100 })).map(toUserResponse);
  }
}
