import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { PasskeyInvalidException } from '../errors/warden.exceptions.js';
import { AttemptStore } from '../security/attempt.store.js';
import { LoginThrottle } from '../security/login-throttle.js';
import type { ResolvedSessionOptions } from '../session/session.options.js';
import { WARDEN_SESSION_OPTIONS } from '../session/session.tokens.js';
import type { CachedUser } from '../users/user-cache.js';
import type { UserRecord } from '../users/user.record.js';
import { UsersService } from '../users/users.service.js';
import type { PasskeyPurpose } from './passkey-challenges.js';
import { PasskeyChallenges } from './passkey-challenges.js';
import type { ResolvedPasskeyOptions } from './passkey.options.js';
import type { PasskeyRecord } from './passkey.store.js';
import { PasskeyStore, PasskeyTakenError } from './passkey.store.js';
import { WARDEN_PASSKEY_OPTIONS } from './passkeys.tokens.js';

/** WebAuthn caps credential ids at 1023 bytes: 1364 base64url characters (the column's width). */
const MAX_CREDENTIAL_ID = 1364;

/** A credential id as a response may carry it: base64url only, never a byte the database refuses. */
const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1364}$/;

/** Passkey ids are UUIDs: anything else names no passkey and is never queried. */
const PASSKEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The transports WebAuthn defines; anything else an authenticator reports is dropped. */
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** A passkey as the API lists it: never the key or the credential id. */
export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A passkey assertion (the browser's `AuthenticationResponseJSON`) as a proof of a step. */
export type PasskeyAssertion = AuthenticationResponseJSON;

/**
 * Passkeys on `@simplewebauthn/server`: registration (its options need recent auth), listing,
 * naming, deletion, and assertions for a passwordless login (discoverable credentials, user
 * verification required), a second factor or a step-up. Challenges carry their own signed state
 * (any instance can finish what another began) and work once (a claim in the attempt store);
 * the origin and RP ID are checked against configuration; a signature counter that goes back is
 * taken for a cloned authenticator. Every assertion is one counted attempt on the login throttle.
 */
@Injectable()
export class PasskeyService {
  private readonly challenges: PasskeyChallenges;

  constructor(
    @Inject(WARDEN_PASSKEY_OPTIONS) private readonly options: ResolvedPasskeyOptions,
    @Inject(WARDEN_SESSION_OPTIONS) sessionOptions: ResolvedSessionOptions,
    private readonly store: PasskeyStore,
    private readonly users: UsersService,
    private readonly attempts: AttemptStore,
    private readonly throttle: LoginThrottle,
    private readonly events: SecurityEvents,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {
    this.challenges = new PasskeyChallenges(sessionOptions.secrets);
  }

  /** Options for `navigator.credentials.create()`: resident key and user verification preferred. */
  async registrationOptions(user: CachedUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.store.listByUser(user.id);
    return generateRegistrationOptions({
      rpName: this.options.rpName,
      rpID: this.options.rpId,
      userName: user.email,
      userDisplayName: user.displayName,
      userID: Buffer.from(user.id.replace(/-/g, ''), 'hex'),
      challenge: this.challenge('register', user.id),
      timeout: this.options.challengeTtlSeconds * 1000,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
  }

  /** Verifies a registration response and stores the passkey. 400 `PASSKEY_INVALID` when wrong. */
  async register(
    user: CachedUser,
    response: RegistrationResponseJSON,
    name?: string,
  ): Promise<PasskeySummary> {
    let nonce: string | undefined;
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: (challenge) => {
        nonce = this.expected(challenge, 'register', user.id);
        return nonce !== undefined;
      },
      expectedOrigin: this.options.origins,
      expectedRPID: this.options.rpId,
      requireUserVerification: false,
    }).catch(() => null);
    if (!verification?.verified || !nonce || !(await this.claim(nonce))) {
      throw new PasskeyInvalidException(400);
    }
    const { credential, credentialBackedUp, credentialDeviceType } = verification.registrationInfo;
    if (credential.id.length > MAX_CREDENTIAL_ID) throw new PasskeyInvalidException(400);
    const record: PasskeyRecord = {
      id: randomUUID(),
      userId: user.id,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: (credential.transports ?? []).filter((t) => TRANSPORTS.has(t)),
      backedUp: credentialBackedUp,
      deviceType: credentialDeviceType,
      name: name?.trim().slice(0, 100) || 'Passkey',
      createdAt: this.clock.now(),
      lastUsedAt: null,
    };
    try {
      await this.store.create(record);
    } catch (error) {
      if (error instanceof PasskeyTakenError) throw new PasskeyInvalidException(400);
      throw error;
    }
    this.events.emit(WardenEvent.PASSKEY_REGISTERED, { userId: user.id });
    return summary(record);
  }

  /** The user's passkeys, oldest first. */
  async list(userId: string): Promise<PasskeySummary[]> {
    return (await this.store.listByUser(userId)).map(summary);
  }

  /** Renames the user's passkey; false when it is not the user's. */
  rename(userId: string, id: string, name: string): Promise<boolean> {
    if (!PASSKEY_ID.test(id)) return Promise.resolve(false);
    return this.store.rename(userId, id, name.trim() || 'Passkey');
  }

  /** Deletes the user's passkey; false when it is not the user's. */
  async remove(userId: string, id: string): Promise<boolean> {
    if (!PASSKEY_ID.test(id)) return false;
    const removed = await this.store.delete(userId, id);
    if (removed) this.events.emit(WardenEvent.PASSKEY_REMOVED, { userId });
    return removed;
  }

  /**
   * Options for `navigator.credentials.get()`. For a passwordless login (`user` null): any
   * discoverable credential, user verification required; for a second factor or a step-up: the
   * user's passkeys.
   */
  async assertionOptions(
    purpose: Exclude<PasskeyPurpose, 'register'>,
    user: { id: string } | null,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = user ? await this.store.listByUser(user.id) : [];
    return generateAuthenticationOptions({
      rpID: this.options.rpId,
      challenge: this.challenge(purpose, user?.id ?? null),
      timeout: this.options.challengeTtlSeconds * 1000,
      userVerification: purpose === 'login' ? 'required' : 'preferred',
      allowCredentials: allow.map((p) => ({ id: p.credentialId, transports: p.transports })),
    });
  }

  /**
   * Checks an assertion as one counted credential attempt: the active user it proves, or null
   * (unknown or deleted passkey, wrong origin or RP ID, a challenge of another purpose, user or
   * one already used, a bad signature, or a counter that went back: `warden.passkey.cloned`).
   * `user`: the user the step is for (second factor, step-up); null for a passwordless login.
   */
  async verify(
    response: PasskeyAssertion,
    purpose: Exclude<PasskeyPurpose, 'register'>,
    user: { id: string } | null,
    ip: string | null,
  ): Promise<UserRecord | null> {
    const id: unknown = response?.id;
    const credentialId = typeof id === 'string' && CREDENTIAL_ID.test(id) ? id : '';
    const passkey = credentialId ? await this.store.findByCredentialId(credentialId) : null;
    const owner = passkey ? await this.users.findById(passkey.userId) : null;
    // Counted on the owner's account; an unknown credential on its own (and on the IP).
    const account = owner?.email ?? `passkey:${credentialId}`;
    return this.throttle.check(account, ip, async () => {
      if (!passkey || !owner?.isActive || (user && owner.id !== user.id)) return null;
      return (await this.verifyWith(passkey, response, purpose, owner.id)) ? owner : null;
    });
  }

  private async verifyWith(
    passkey: PasskeyRecord,
    response: PasskeyAssertion,
    purpose: Exclude<PasskeyPurpose, 'register'>,
    userId: string,
  ): Promise<boolean> {
    let nonce: string | undefined;
    let result;
    try {
      result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: (challenge) => {
          nonce = this.expected(challenge, purpose, purpose === 'login' ? null : userId);
          return nonce !== undefined;
        },
        expectedOrigin: this.options.origins,
        expectedRPID: this.options.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: passkey.counter,
          transports: passkey.transports,
        },
        requireUserVerification: purpose === 'login',
      });
    } catch (error) {
      if (/counter value/i.test((error as Error).message)) {
        this.events.emit(WardenEvent.PASSKEY_CLONED, { userId, reason: 'counter-regression' });
      }
      return false;
    }
    if (!result.verified || !nonce || !(await this.claim(nonce))) return false;
    const { newCounter } = result.authenticationInfo;
    // Compare-and-set: of two parallel uses of one counter value, one gets through.
    return this.store.recordUse(passkey.id, passkey.counter, newCounter, this.clock.now());
  }

  /** A new challenge as bytes (the library base64url-encodes them into the options). */
  private challenge(purpose: PasskeyPurpose, userId: string | null): Uint8Array<ArrayBuffer> {
    const expiresAt = this.clock.now() + this.options.challengeTtlSeconds * 1000;
    return Uint8Array.from(
      Buffer.from(this.challenges.issue(purpose, userId, expiresAt), 'base64url'),
    );
  }

  /** The challenge's nonce when it is ours, live, of this purpose and user; else undefined. */
  private expected(challenge: string, purpose: PasskeyPurpose, userId: string | null) {
    const state = this.challenges.open(challenge, this.clock.now());
    return state && state.purpose === purpose && state.userId === userId ? state.nonce : undefined;
  }

  /** Single use of a challenge, on every instance. */
  private claim(nonce: string): Promise<boolean> {
    const ttlMs = this.options.challengeTtlSeconds * 1000;
    return this.attempts.claimOnce(`k{c:${nonce}}:used`, ttlMs, this.clock.now());
  }
}

function summary(record: PasskeyRecord): PasskeySummary {
  return {
    id: record.id,
    name: record.name,
    createdAt: new Date(record.createdAt).toISOString(),
    lastUsedAt: record.lastUsedAt === null ? null : new Date(record.lastUsedAt).toISOString(),
  };
}
