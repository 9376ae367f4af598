import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
  WebAuthnCredential,
} from '@simplewebauthn/server';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { VirtualAuthenticatorBrowser, WebAuthnBrowserError } from '../support/webauthn-browser.js';

/**
 * The passkey harness (test/support/webauthn-browser.ts) against @simplewebauthn/server 14: a real
 * Chromium with a CDP virtual authenticator registers and asserts in http://localhost:PORT (a tiny
 * server with an empty page), the library verifies. Pins what the passkey feature relies on: the
 * authenticator's counters (1 at registration, +1 per assertion), what the library checks (the
 * counter, not replays of an assertion) and the errors it throws. The tests run in order and share
 * the one credential.
 */
jest.setTimeout(15_000);

const rpID = 'localhost';
const b64url = (bytes: Uint8Array<ArrayBuffer>) => isoBase64URL.fromBuffer(bytes);

/** Rewrites clientDataJSON as an attacker would: the signature no longer covers it. */
const withClientData = (
  response: AuthenticationResponseJSON,
  edit: (clientData: Record<string, unknown>) => void,
): AuthenticationResponseJSON => {
  const clientData = JSON.parse(isoBase64URL.toUTF8String(response.response.clientDataJSON)) as {
    [key: string]: unknown;
  };
  edit(clientData);
  return {
    ...response,
    response: {
      ...response.response,
      clientDataJSON: isoBase64URL.fromUTF8String(JSON.stringify(clientData)),
    },
  };
};

describe('VirtualAuthenticatorBrowser with @simplewebauthn/server', () => {
  let server: Server;
  let origin: string;
  let browser: VirtualAuthenticatorBrowser;
  const userID = new Uint8Array(randomBytes(16));
  /** The server's record of the credential, its counter kept current by the tests. */
  let stored: WebAuthnCredential;

  const loginOptions = (
    extra: { allowCredentials?: { id: string; transports?: string[] }[] } = {},
  ) => generateAuthenticationOptions({ rpID, userVerification: 'required', ...extra });

  const verifyLogin = (
    response: AuthenticationResponseJSON,
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: { expectedOrigin?: string | string[]; expectedRPID?: string; counter?: number } = {},
  ) =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: overrides.expectedOrigin ?? origin,
      expectedRPID: overrides.expectedRPID ?? rpID,
      credential: { ...stored, counter: overrides.counter ?? stored.counter },
      requireUserVerification: true,
    });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>rp</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    browser = await VirtualAuthenticatorBrowser.start(origin, '/');
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('drives a Chromium with a version', () => {
    expect(browser.version()).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('encodes a given challenge as base64url of its bytes, a string challenge as its UTF-8', async () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0x00, 0x01]);
    const common = { rpName: 'nest-warden', rpID, userName: 'a', userID };
    await expect(
      generateRegistrationOptions({ ...common, challenge: bytes }),
    ).resolves.toMatchObject({
      challenge: '-_8AAQ',
      user: { id: b64url(userID), name: 'a', displayName: '' },
    });
    await expect(
      generateRegistrationOptions({ ...common, challenge: 'abc' }),
    ).resolves.toMatchObject({ challenge: 'YWJj' });
    await expect(generateAuthenticationOptions({ rpID, challenge: bytes })).resolves.toEqual({
      rpId: rpID,
      challenge: '-_8AAQ',
      allowCredentials: undefined,
      timeout: 60000,
      userVerification: 'preferred',
      extensions: undefined,
    });
  });

  it('registers a discoverable credential that verifyRegistrationResponse accepts', async () => {
    const challenge = new Uint8Array(randomBytes(32));
    const options = await generateRegistrationOptions({
      rpName: 'nest-warden',
      rpID,
      userName: 'alice@example.com',
      userDisplayName: 'Alice',
      userID,
      challenge,
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    expect(options).toMatchObject({
      challenge: b64url(challenge),
      rp: { name: 'nest-warden', id: rpID },
      user: { id: b64url(userID), name: 'alice@example.com', displayName: 'Alice' },
      excludeCredentials: [],
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'required',
      },
      extensions: { credProps: true },
    });

    const response = await browser.register(options);
    expect(response).toMatchObject({
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: { credProps: { rk: true } },
      response: { transports: ['internal'] },
    });
    expect(response.rawId).toBe(response.id);

    // A function as expectedChallenge gets clientDataJSON's challenge: the base64url of the bytes.
    const seen: string[] = [];
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: (received) => {
        seen.push(received);
        return received === options.challenge;
      },
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
    });
    expect(seen).toEqual([options.challenge]);
    expect(verification).toMatchObject({
      verified: true,
      registrationInfo: {
        fmt: 'none',
        aaguid: '01020304-0506-0708-0102-030405060708',
        credential: { id: response.id, counter: 1, transports: ['internal'] },
        credentialType: 'public-key',
        userVerified: true,
        credentialDeviceType: 'singleDevice',
        credentialBackedUp: false,
        origin,
        rpID,
      },
    });
    stored = verification.registrationInfo!.credential;
    expect(stored.publicKey).toBeInstanceOf(Uint8Array);

    await expect(browser.credentials()).resolves.toEqual([
      {
        credentialId: stored.id,
        signCount: 1,
        userHandle: b64url(userID),
        isResidentCredential: true,
        rpId: rpID,
        backupEligibility: false,
        backupState: false,
      },
    ]);
  });

  it('refuses a registration the wrong challenge, origin or rp id would have', async () => {
    const options = await generateRegistrationOptions({
      rpName: 'nest-warden',
      rpID,
      userName: 'bob@example.com',
      userID: new Uint8Array(randomBytes(16)),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const response = await browser.register(options);
    const opts = { response, expectedChallenge: options.challenge, expectedOrigin: origin };
    await expect(
      verifyRegistrationResponse({ ...opts, expectedChallenge: () => false }),
    ).rejects.toThrow(
      `Custom challenge verifier returned false for registration response challenge "${options.challenge}"`,
    );
    await expect(
      verifyRegistrationResponse({ ...opts, expectedOrigin: 'https://example.com' }),
    ).rejects.toThrow(
      `Unexpected registration response origin "${origin}", expected "https://example.com"`,
    );
    await expect(
      verifyRegistrationResponse({ ...opts, expectedRPID: 'example.com' }),
    ).rejects.toMatchObject({ name: 'UnexpectedRPIDHash', message: 'Unexpected RP ID hash' });
    await browser.removeCredential(response.id);
  });

  it('has the browser refuse to register a credential listed in excludeCredentials', async () => {
    const options = await generateRegistrationOptions({
      rpName: 'nest-warden',
      rpID,
      userName: 'alice@example.com',
      userID,
      excludeCredentials: [{ id: stored.id, transports: stored.transports }],
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    expect(options.excludeCredentials).toEqual([
      { id: stored.id, transports: ['internal'], type: 'public-key' },
    ]);
    await expect(browser.register(options)).rejects.toMatchObject({
      domName: 'InvalidStateError',
    });
    expect((await browser.credentials()).map((c) => c.credentialId)).toEqual([stored.id]);
  });

  it('authenticates with the discoverable credential (no allowCredentials), counter 2', async () => {
    const options = await loginOptions();
    expect(options).not.toHaveProperty('allowCredentials', expect.anything());
    const response = await browser.authenticate(options);
    expect(response).toMatchObject({
      id: stored.id,
      rawId: stored.id,
      type: 'public-key',
      response: { userHandle: b64url(userID) },
    });
    const verification = await verifyLogin(response, options);
    expect(verification).toEqual({
      verified: true,
      authenticationInfo: {
        newCounter: 2,
        credentialID: stored.id,
        userVerified: true,
        credentialDeviceType: 'singleDevice',
        credentialBackedUp: false,
        authenticatorExtensionResults: undefined,
        origin,
        rpID,
      },
    });
    stored = { ...stored, counter: verification.authenticationInfo.newCounter };
    expect((await browser.credentials())[0].signCount).toBe(2);
  });

  it('authenticates with allowCredentials, counter 3', async () => {
    const options = await loginOptions({
      allowCredentials: [{ id: stored.id, transports: stored.transports }],
    });
    expect(options.allowCredentials).toEqual([
      { id: stored.id, transports: ['internal'], type: 'public-key' },
    ]);
    const verification = await verifyLogin(await browser.authenticate(options), options);
    expect(verification.authenticationInfo.newCounter).toBe(3);
    stored = { ...stored, counter: 3 };
  });

  it('accepts a replayed assertion unless the stored counter moved on: the challenge must be single use', async () => {
    const before = stored.counter;
    const options = await loginOptions();
    const response = await browser.authenticate(options);
    const first = await verifyLogin(response, options);
    expect(first.authenticationInfo.newCounter).toBe(before + 1);
    // The same assertion again, the counter not saved: the library accepts it.
    await expect(verifyLogin(response, options)).resolves.toMatchObject({ verified: true });
    // Saved: the replay is a counter regression (newCounter <= stored, either non-zero).
    stored = { ...stored, counter: first.authenticationInfo.newCounter };
    await expect(verifyLogin(response, options)).rejects.toThrow(
      `Response counter value ${before + 1} was lower than expected ${before + 1}`,
    );
  });

  it('refuses a wrong expected rp id and a wrong expected origin', async () => {
    const options = await loginOptions();
    const response = await browser.authenticate(options);
    await expect(
      verifyLogin(response, options, { expectedRPID: 'example.com' }),
    ).rejects.toMatchObject({ name: 'UnexpectedRPIDHash', message: 'Unexpected RP ID hash' });
    await expect(
      verifyLogin(response, options, { expectedOrigin: 'https://example.com' }),
    ).rejects.toThrow(
      `Unexpected authentication response origin "${origin}", expected "https://example.com"`,
    );
    await expect(
      verifyLogin(response, options, {
        expectedOrigin: ['https://a.example', 'https://b.example'],
      }),
    ).rejects.toThrow(
      `Unexpected authentication response origin "${origin}", expected one of: https://a.example, https://b.example`,
    );
    await expect(
      verifyAuthenticationResponse({
        response,
        expectedChallenge: 'another',
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: stored,
      }),
    ).rejects.toThrow(
      `Unexpected authentication response challenge "${options.challenge}", expected "another"`,
    );
    const verification = await verifyLogin(response, options, {
      expectedOrigin: ['https://a.example', origin],
      expectedRPID: rpID,
    });
    expect(verification.verified).toBe(true);
    stored = { ...stored, counter: verification.authenticationInfo.newCounter };
  });

  it('signs in another origin of the same rp id (another port), which the server refuses', async () => {
    const elsewhere = await browser.withOrigin('http://localhost:1');
    expect(elsewhere.origin).toBe('http://localhost:1');
    const options = await loginOptions();
    const response = await elsewhere.authenticate(options);
    // The same authenticator: its counter moved on.
    expect((await browser.credentials())[0].signCount).toBe(stored.counter + 1);
    await expect(verifyLogin(response, options)).rejects.toThrow(
      `Unexpected authentication response origin "http://localhost:1", expected "${origin}"`,
    );
    // Rewriting the origin in clientDataJSON passes the origin check but not the signature:
    // verified is false, nothing is thrown.
    const tampered = withClientData(response, (clientData) => {
      clientData.origin = origin;
    });
    await expect(verifyLogin(tampered, options)).resolves.toMatchObject({ verified: false });
    // The browser itself refuses an rp id that is not a suffix of the origin's host.
    const ip = await browser.withOrigin('http://127.0.0.1:1');
    await expect(ip.authenticate(await loginOptions())).rejects.toMatchObject({
      domName: 'SecurityError',
    });
    // Back to the app's origin, the same credential.
    const back = await loginOptions();
    const verification = await verifyLogin(await browser.authenticate(back), back);
    expect(verification.authenticationInfo.newCounter).toBe(stored.counter + 2);
    stored = { ...stored, counter: verification.authenticationInfo.newCounter };
  });

  it('gives an assertion without UV for userVerification discouraged, which the server refuses', async () => {
    const options = await generateAuthenticationOptions({ rpID, userVerification: 'discouraged' });
    const response = await browser.authenticate(options);
    await expect(verifyLogin(response, options)).rejects.toThrow(
      'User verification required, but user could not be verified',
    );
    stored = { ...stored, counter: (await browser.credentials())[0].signCount };
  });

  it('has the browser refuse a login when the authenticator fails to verify the user', async () => {
    await browser.setUserVerified(false);
    try {
      for (const userVerification of ['required', 'preferred'] as const) {
        const options = await generateAuthenticationOptions({ rpID, userVerification });
        await expect(browser.authenticate(options)).rejects.toMatchObject({
          domName: 'NotAllowedError',
        });
      }
    } finally {
      await browser.setUserVerified(true);
    }
  });

  it('produces a counter regression with setSignCount (a cloned authenticator)', async () => {
    await browser.setSignCount(stored.id, 0);
    const options = await loginOptions();
    const response = await browser.authenticate(options);
    await expect(verifyLogin(response, options)).rejects.toThrow(
      `Response counter value 1 was lower than expected ${stored.counter}`,
    );
    const [credential] = await browser.credentials();
    expect(credential).toMatchObject({ signCount: 1, isResidentCredential: true });
    expect(credential.userHandle).toBe(b64url(userID));
  });

  it('fails a login at once with NotAllowedError once the passkey is removed', async () => {
    await browser.removeCredential(stored.id);
    await expect(browser.credentials()).resolves.toEqual([]);
    const started = Date.now();
    const error = await browser.authenticate(await loginOptions()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAuthnBrowserError);
    expect(error).toMatchObject({ domName: 'NotAllowedError' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
