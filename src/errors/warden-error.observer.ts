import type { WardenUnavailableException } from './warden.exceptions.js';

/**
 * Told by {@link WardenExceptionFilter} of every 503 it answers, before the answer goes out (the
 * metrics count `warden_backend_errors_total{service}` with it). Optional: provide one in the
 * module that registers the filter. Must not throw.
 */
export abstract class WardenErrorObserver {
  /** A backing service failed (or the hashing queue was full: `exception.service` is unset). */
  abstract unavailable(exception: WardenUnavailableException): void;
}
