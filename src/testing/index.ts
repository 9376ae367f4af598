// nest-warden/testing: helpers for host apps' tests. Every export is listed by name.
export { loginForTest } from './login-for-test.js';
export type { TestLogin } from './login-for-test.js';
export { FakeClock } from './fake-clock.js';
/** The TOTP code of a secret at a time (ms): sign in an MFA user in a host app's tests. */
export { totpCode } from '../mfa/totp.js';
// The contract suites every shipped adapter passes: run them against your own adapter (Jest, or
// Vitest with globals) to know it keeps the port's promises.
export { describeSessionStoreContract } from './contracts/session-store.contract.js';
export type { SessionStoreHarness } from './contracts/session-store.contract.js';
export { describeUserRepositoryContract } from './contracts/user-repository.contract.js';
export type { UserRepositoryHarness } from './contracts/user-repository.contract.js';
export { describeUserCacheContract } from './contracts/user-cache.contract.js';
export type { UserCacheHarness } from './contracts/user-cache.contract.js';
export { describeAttemptStoreContract } from './contracts/attempt-store.contract.js';
export type { AttemptStoreHarness } from './contracts/attempt-store.contract.js';
export { describeOutboxStoreContract } from './contracts/outbox-store.contract.js';
export type { OutboxStoreHarness } from './contracts/outbox-store.contract.js';
export { describeAccountTokenStoreContract } from './contracts/account-token-store.contract.js';
export type { AccountTokenStoreHarness } from './contracts/account-token-store.contract.js';
export { describeMfaStoreContract } from './contracts/mfa-store.contract.js';
export type { MfaStoreHarness } from './contracts/mfa-store.contract.js';
export { describePasskeyStoreContract } from './contracts/passkey-store.contract.js';
export type { PasskeyStoreHarness } from './contracts/passkey-store.contract.js';
export { describeAuditSinkContract } from './contracts/audit-sink.contract.js';
export type { AuditSinkHarness } from './contracts/audit-sink.contract.js';
