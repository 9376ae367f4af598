import type { HttpRequest } from '../core/http-context.js';
import type { ActiveSession } from '../session/session.service.js';
import type { CachedUser } from '../users/user-cache.js';

/** A request as nest-warden's guards leave it, on Express and Fastify alike. */
export interface WardenRequest extends HttpRequest {
  /** The authenticated user (passport convention): a cached snapshot, never the hash. */
  user?: CachedUser;
  /** The session behind the request: a cookie session, or a bearer token's token session. */
  wardenSession?: ActiveSession;
  /** How the request authenticated. */
  wardenAuth?: 'session' | 'bearer';
  /**
   * Set by the password check of a login: the credentials were right, from a client (IP) the
   * account had not signed in from before, on an account that had signed in before.
   */
  wardenNewClient?: boolean;
  /**
   * Set by the password check of a login: the account had signed in before (its `lastLoginAt`
   * was set), so recording this login only moves a time and may be batched.
   */
  wardenReturningUser?: boolean;
}
