import type { OnModuleInit, Provider } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { AttemptStore } from '../security/attempt.store.js';
import { SessionStore } from '../session/session.store.js';
import { UsersService } from '../users/users.service.js';
import type { AuthModuleOptions } from './auth.module-definition.js';
import { AUTH_MODULE_OPTIONS } from './auth.module-definition.js';

/**
 * Listed first among `AuthModule`'s providers: without `UsersModule` its lookup of
 * `UsersService` is the first to fail, so Nest's error names this token ("can't resolve
 * dependencies of the AuthModule needs UsersModule: …") rather than an inner provider such as
 * `LoginThrottle`. (Nest resolves providers concurrently; a failed lookup cannot be turned into
 * an error of our own, and `test/e2e/misconfiguration.spec.ts` keeps this one first.)
 */
export const requireUsersModule: Provider = {
  provide:
    'AuthModule needs UsersModule: add UsersModule.forRoot({ repository }) (or forRootAsync) to the imports of your root module, once (it is global)',
  inject: [UsersService],
  useFactory: () => true,
};

/**
 * Checks the stores once at boot (`onModuleInit`, at most 3 s each, in parallel): a Redis that
 * is unreachable or speaks another protocol, or a missing outbox, account-token, MFA, passkey or
 * audit table, fails the boot with a message that says how to fix it, instead of an app that
 * answers every login 503. Off with `startupCheck: false`.
 */
@Injectable()
export class AuthStartupCheck implements OnModuleInit {
  constructor(
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions,
    private readonly sessions: SessionStore,
    private readonly attempts: AttemptStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.startupCheck === false) return;
    const account = this.options.account;
    await Promise.all([
      this.sessions.check?.(),
      this.attempts.check?.(),
      // The account tables (not the SMTP server: mail waits in the outbox until it answers).
      account?.outbox.check?.(),
      account?.tokens.check?.(),
      this.options.mfa?.store.check?.(),
      this.options.passkeys?.store.check?.(),
      this.options.audit?.sink.check?.(),
    ]);
  }
}
