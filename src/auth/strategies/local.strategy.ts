import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { InvalidCredentialsException } from '../../errors/warden.exceptions.js';
import type { UserRecord } from '../../users/user.record.js';
import { UsersService } from '../../users/users.service.js';

/** passport strategy name; prefixed because passport is a process-wide singleton. */
export const LOCAL_STRATEGY = 'warden-local';

/** Email + password through `UsersService.verifyCredentials` (dummy hash for unknown emails). */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, LOCAL_STRATEGY) {
  constructor(private readonly users: UsersService) {
    super({ usernameField: 'email', passwordField: 'password', session: false });
  }

  async validate(email: string, password: string): Promise<UserRecord> {
    const user = await this.users.verifyCredentials(email, password);
    if (!user) throw new InvalidCredentialsException();
    return user;
  }
}
