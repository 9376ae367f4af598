import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/** A credential held by the virtual authenticator, ids in base64url like the server's. */
export interface VirtualCredential {
  /** base64url, as `registrationInfo.credential.id` and the responses' `id`. */
  credentialId: string;
  signCount: number;
  /** base64url of the user handle (`user.id` of the creation options), for discoverable ones. */
  userHandle?: string;
  isResidentCredential: boolean;
  rpId?: string;
  backupEligibility?: boolean;
  backupState?: boolean;
}

/** A WebAuthn ceremony the browser refused: `name` is the DOMException's, e.g. NotAllowedError. */
export class WebAuthnBrowserError extends Error {
  constructor(
    readonly domName: string,
    message: string,
  ) {
    super(`${domName}: ${message}`);
    this.name = 'WebAuthnBrowserError';
  }
}

/** What a page of every origin of one harness shares: one tab, one CDP session, one authenticator. */
interface Shared {
  browser: Browser;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
  /** Origins that have no server: answered with an empty page by request interception. */
  routed: Set<string>;
  closed: boolean;
}

/** How long a ceremony may take in the page before it is aborted (the options' timeout is kept). */
const CEREMONY_TIMEOUT_MS = 10_000;

/**
 * The ceremony, run in the page. Plain JavaScript in a string: tsconfig has no DOM lib, and a
 * string is immune to what a transform (coverage counters) would add to a serialized function.
 * Uses PublicKeyCredential.parse*OptionsFromJSON and toJSON() when the browser has them (Chromium
 * 129+), else converts the base64url fields by hand. Returns `{ ok }` or `{ error: { name, message } }`.
 */
const CEREMONY = `async (kind, json, timeoutMs) => {
  const toBytes = (s) => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
  };
  const toB64url = (buffer) => {
    let binary = '';
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  };
  const descriptors = (list) => list && list.map((c) => ({ ...c, id: toBytes(c.id) }));
  const PKC = window.PublicKeyCredential;
  try {
    let credential;
    const signal = AbortSignal.timeout(timeoutMs);
    if (kind === 'create') {
      const publicKey =
        typeof PKC.parseCreationOptionsFromJSON === 'function'
          ? PKC.parseCreationOptionsFromJSON(json)
          : {
              ...json,
              challenge: toBytes(json.challenge),
              user: { ...json.user, id: toBytes(json.user.id) },
              excludeCredentials: descriptors(json.excludeCredentials),
            };
      credential = await navigator.credentials.create({ publicKey, signal });
    } else {
      const publicKey =
        typeof PKC.parseRequestOptionsFromJSON === 'function'
          ? PKC.parseRequestOptionsFromJSON(json)
          : {
              ...json,
              challenge: toBytes(json.challenge),
              allowCredentials: descriptors(json.allowCredentials),
            };
      credential = await navigator.credentials.get({ publicKey, signal });
    }
    if (typeof credential.toJSON === 'function') return { ok: credential.toJSON() };
    const r = credential.response;
    const response =
      kind === 'create'
        ? {
            clientDataJSON: toB64url(r.clientDataJSON),
            attestationObject: toB64url(r.attestationObject),
            transports: r.getTransports ? r.getTransports() : undefined,
          }
        : {
            clientDataJSON: toB64url(r.clientDataJSON),
            authenticatorData: toB64url(r.authenticatorData),
            signature: toB64url(r.signature),
            userHandle: r.userHandle ? toB64url(r.userHandle) : undefined,
          };
    return {
      ok: {
        id: credential.id,
        rawId: toB64url(credential.rawId),
        type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
        clientExtensionResults: credential.getClientExtensionResults(),
        response,
      },
    };
  } catch (error) {
    return { error: { name: String(error && error.name), message: String(error && error.message) } };
  }
}`;

const base64ToBase64url = (value: string) =>
  value.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const base64urlToBase64 = (value: string) => Buffer.from(value, 'base64url').toString('base64');

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
};

/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) with a CDP virtual
 * authenticator: a passkey provider for e2e tests, that needs no user (presence and verification
 * are simulated) and shows no UI.
 *
 * The authenticator belongs to the tab, not to an origin: `withOrigin` gives a view that runs the
 * ceremonies on a page of another origin in the same tab, with the same credentials and counters.
 * The browser itself enforces WebAuthn's rules there, so the rp id must still be a registrable
 * suffix of that origin's host: for rp id `localhost`, only another port (`http://localhost:1`)
 * gives a wrong origin that still yields a signed assertion (Chromium refuses `evil.localhost` and
 * `127.0.0.1` with a SecurityError). An assertion whose clientDataJSON is edited afterwards passes
 * the origin check if the edit says so, and fails the signature: `verified: false`, nothing thrown.
 */
export class VirtualAuthenticatorBrowser {
  private constructor(
    private readonly shared: Shared,
    /** The origin this view runs the ceremonies in. */
    readonly origin: string,
    private readonly url: string,
  ) {}

  /**
   * Launches headless Chromium and opens `origin` + `path` (any page of the app, e.g. `/health`), so
   * that WebAuthn runs in that origin; adds a virtual authenticator: CTAP2, internal transport,
   * resident keys, user verification (always verified), presence simulated.
   */
  static async start(origin: string, path = '/'): Promise<VirtualAuthenticatorBrowser> {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
      timeout: 15_000,
    });
    try {
      // bypassCSP: the app's pages send a CSP; the ceremony is evaluated through CDP anyway.
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      const harness = new VirtualAuthenticatorBrowser(
        { browser, page, cdp, authenticatorId, routed: new Set(), closed: false },
        originOf(origin),
        new URL(path, origin).href,
      );
      await harness.open();
      return harness;
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** The browser's own version, e.g. `156.0.8078.108`. */
  version(): string {
    return this.shared.browser.version();
  }

  /**
   * The same tab and authenticator, the ceremonies run on a page of `origin` instead. Nothing needs
   * to listen there: requests to that origin are answered with an empty HTML page. Closing either
   * view closes the browser.
   */
  async withOrigin(origin: string): Promise<VirtualAuthenticatorBrowser> {
    const target = originOf(origin);
    if (!this.shared.routed.has(target)) {
      this.shared.routed.add(target);
      await this.shared.page.route(
        (url) => url.origin === target,
        (route) =>
          route.fulfill({
            status: 200,
            contentType: 'text/html',
            body: '<!doctype html><title>x</title>',
          }),
      );
    }
    return new VirtualAuthenticatorBrowser(this.shared, target, `${target}/`);
  }

  /**
   * navigator.credentials.create with the server's PublicKeyCredentialCreationOptionsJSON; the
   * credential's toJSON(). Rejects with WebAuthnBrowserError when the browser refuses (e.g.
   * InvalidStateError for an excluded credential, SecurityError for an rp id foreign to the origin).
   */
  async register(optionsJSON: unknown): Promise<RegistrationResponseJSON> {
    return (await this.ceremony('create', optionsJSON)) as RegistrationResponseJSON;
  }

  /**
   * navigator.credentials.get with PublicKeyCredentialRequestOptionsJSON; the assertion's toJSON().
   * Rejects with WebAuthnBrowserError (NotAllowedError when no credential of the authenticator fits).
   */
  async authenticate(optionsJSON: unknown): Promise<AuthenticationResponseJSON> {
    return (await this.ceremony('get', optionsJSON)) as AuthenticationResponseJSON;
  }

  /** The authenticator's credentials (WebAuthn.getCredentials), ids in base64url. */
  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.shared.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: this.shared.authenticatorId,
    });
    return credentials.map((c) => ({
      credentialId: base64ToBase64url(c.credentialId),
      signCount: c.signCount,
      ...(c.userHandle ? { userHandle: base64ToBase64url(c.userHandle) } : {}),
      isResidentCredential: c.isResidentCredential,
      ...(c.rpId ? { rpId: c.rpId } : {}),
      ...(c.backupEligibility !== undefined ? { backupEligibility: c.backupEligibility } : {}),
      ...(c.backupState !== undefined ? { backupState: c.backupState } : {}),
    }));
  }

  /** Removes a credential (base64url id) from the authenticator, as a user deleting a passkey. */
  async removeCredential(credentialId: string): Promise<void> {
    await this.shared.cdp.send('WebAuthn.removeCredential', {
      authenticatorId: this.shared.authenticatorId,
      credentialId: base64urlToBase64(credentialId),
    });
  }

  /**
   * Sets a credential's sign count: the next assertion carries `signCount + 1`. For counter
   * regression, e.g. a cloned authenticator: set it below what the server stored.
   */
  async setSignCount(credentialId: string, signCount: number): Promise<void> {
    const { authenticatorId, cdp } = this.shared;
    const id = base64urlToBase64(credentialId);
    try {
      await cdp.send('WebAuthn.setCredentialProperties', {
        authenticatorId,
        credentialId: id,
        signCount,
      });
    } catch {
      // A Chromium without signCount in setCredentialProperties: the same credential, re-added.
      const { credential } = await cdp.send('WebAuthn.getCredential', {
        authenticatorId,
        credentialId: id,
      });
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: id });
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId,
        credential: { ...credential, signCount },
      });
    }
  }

  /** Whether the authenticator reports the user verified (UV flag); true from start. */
  async setUserVerified(isUserVerified: boolean): Promise<void> {
    await this.shared.cdp.send('WebAuthn.setUserVerified', {
      authenticatorId: this.shared.authenticatorId,
      isUserVerified,
    });
  }

  /** Closes the browser (every view of it); safe to call twice. */
  async close(): Promise<void> {
    if (this.shared.closed) return;
    this.shared.closed = true;
    await this.shared.browser.close();
  }

  private async open(): Promise<void> {
    await this.shared.page.goto(this.url);
  }

  private async ceremony(kind: 'create' | 'get', optionsJSON: unknown): Promise<unknown> {
    if (originOf(this.shared.page.url()) !== this.origin) await this.open();
    const expression = `(${CEREMONY})(${JSON.stringify(kind)}, ${JSON.stringify(optionsJSON)}, ${CEREMONY_TIMEOUT_MS})`;
    const result = (await this.shared.page.evaluate(expression)) as
      { ok: unknown } | { error: { name: string; message: string } };
    if ('error' in result) throw new WebAuthnBrowserError(result.error.name, result.error.message);
    return result.ok;
  }
}
