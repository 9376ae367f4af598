import type { SecurityEvent } from '../core/security-events.js';
import { WardenEvent } from '../core/security-events.js';

/**
 * Label values come from these fixed lists only (anything else becomes `other`), so that no
 * label ever holds a user id, an email, an IP or any other unbounded value.
 */
export const LABELS = {
  login: ['success', 'invalid', 'unverified', 'mfa_required', 'throttled', 'unavailable'],
  sessionKind: ['cookie', 'token'],
  revoked: [
    'logout',
    'revoked',
    'cap',
    'password-change',
    'password-reset',
    'mfa-enabled',
    'mfa-disabled',
    'token-revoke',
    'refresh-reuse',
    'deactivated',
    'auth-version',
    'admin',
    'mfa-reset',
    'other',
  ],
  expired: ['idle', 'absolute', 'other'],
  refresh: ['success', 'grace', 'invalid', 'reuse', 'unavailable'],
  anomaly: ['context-changed', 'refresh-reuse', 'passkey-clone', 'lockout'],
  mail: ['queued', 'sent', 'given-up'],
  backend: ['redis', 'database', 'smtp'],
} as const;

/** `value` when it is one of `allowed`, else `'other'`. */
export function allowed<T extends string>(allowed: readonly T[], value: string | undefined): T {
  return (allowed as readonly string[]).includes(value ?? '') ? (value as T) : ('other' as T);
}

/** What one security event counts, as `[metric, labels]` pairs (metric names without `warden_`). */
export type Count = [name: CountedMetric, labels: Record<string, string>];

/** The event-fed counters. */
export type CountedMetric =
  | 'logins_total'
  | 'sessions_created_total'
  | 'sessions_revoked_total'
  | 'sessions_expired_total'
  | 'token_refreshes_total'
  | 'mfa_failures_total'
  | 'passkey_clones_total'
  | 'session_anomalies_total'
  | 'mail_total'
  | 'csrf_rejections_total';

/** The counters a security event moves (none for most administrative events). */
export function countsOf(event: SecurityEvent): Count[] {
  const { reason } = event;
  switch (event.type) {
    case WardenEvent.LOGIN_SUCCEEDED:
      return [['logins_total', { result: 'success' }]];
    case WardenEvent.LOGIN_FAILED:
      return [
        ['logins_total', { result: reason === 'email-not-verified' ? 'unverified' : 'invalid' }],
      ];
    case WardenEvent.LOGIN_MFA_REQUIRED:
      return [['logins_total', { result: 'mfa_required' }]];
    case WardenEvent.LOGIN_LOCKED:
      return [['session_anomalies_total', { kind: 'lockout' }]];
    case WardenEvent.SESSION_CREATED:
      return [['sessions_created_total', { kind: reason === 'token' ? 'token' : 'cookie' }]];
    case WardenEvent.SESSION_REVOKED:
      return [['sessions_revoked_total', { reason: allowed(LABELS.revoked, reason) }]];
    case WardenEvent.SESSION_EVICTED:
      return [['sessions_revoked_total', { reason: 'cap' }]];
    case WardenEvent.SESSION_EXPIRED:
      return [['sessions_expired_total', { reason: allowed(LABELS.expired, reason) }]];
    case WardenEvent.SESSION_CONTEXT_CHANGED:
      return [['session_anomalies_total', { kind: 'context-changed' }]];
    case WardenEvent.TOKEN_REFRESHED:
      return [['token_refreshes_total', { result: reason === 'grace' ? 'grace' : 'success' }]];
    case WardenEvent.TOKEN_REFRESH_REJECTED:
      return reason === 'reuse'
        ? [
            ['token_refreshes_total', { result: 'reuse' }],
            ['session_anomalies_total', { kind: 'refresh-reuse' }],
          ]
        : [['token_refreshes_total', { result: 'invalid' }]];
    case WardenEvent.MFA_FAILED:
      return [['mfa_failures_total', {}]];
    case WardenEvent.PASSKEY_CLONED:
      return [
        ['passkey_clones_total', {}],
        ['session_anomalies_total', { kind: 'passkey-clone' }],
      ];
    case WardenEvent.MAIL_QUEUED:
      return [['mail_total', { result: 'queued' }]];
    case WardenEvent.MAIL_SENT:
      return [['mail_total', { result: 'sent' }]];
    case WardenEvent.MAIL_GIVEN_UP:
      return [['mail_total', { result: 'given-up' }]];
    case WardenEvent.CSRF_REJECTED:
      return [['csrf_rejections_total', {}]];
    default:
      return [];
  }
}

/** The routes where a 503 or a 429 is a login outcome (`unavailable`, `throttled`). */
export const LOGIN_ROUTES: ReadonlySet<string> = new Set([
  'POST /auth/login',
  'POST /auth/token',
  'POST /auth/login/mfa',
  'POST /auth/token/mfa',
  'POST /auth/passkeys/login',
]);

/** The route where a 503 is a refresh outcome (`unavailable`). */
export const REFRESH_ROUTE = 'POST /auth/token/refresh';
