import type { OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { UsersService } from '../users/users.service.js';
import type { ExampleConfig } from './config.js';
import { EXAMPLE_CONFIG } from './example.tokens.js';

/**
 * Creates the admin from ADMIN_EMAIL / ADMIN_PASSWORD at boot when both are set and it is
 * missing. An existing account with that email is left alone; without the admin role it gets a
 * warning, since the operator expects an admin (never the password in it).
 */
@Injectable()
export class AdminSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Example');

  constructor(
    private readonly users: UsersService,
    @Inject(EXAMPLE_CONFIG) private readonly config: ExampleConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.config.env;
    if (!email || !password) return;
    const existing = await this.users.findByEmail(email);
    if (existing) {
      if (!existing.roles.includes('admin')) {
        this.logger.warn(
          'ADMIN_EMAIL names an account that exists without the admin role; it was left unchanged: grant the role (PATCH /admin/users/:id as an admin) or set ADMIN_EMAIL to another address',
        );
      }
      return;
    }
    const admin = await this.users.register({
      email,
      password,
      displayName: 'Administrator',
      roles: ['admin', 'user'],
    });
    // The operator chose the address: with EMAIL_VERIFICATION=required the admin can sign in.
    await this.users.markEmailVerified(admin.id);
    this.logger.log('Admin user created from ADMIN_EMAIL');
  }
}
