import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/example/database.js';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import type { MailOutboxOptions } from '../../src/mail/mail-outbox.js';
import { MailOutbox } from '../../src/mail/mail-outbox.js';
import type { OutboxClaim } from '../../src/mail/outbox.store.js';
import { SmtpMailer } from '../../src/mail/smtp.mailer.js';
import { TypeOrmOutboxStore } from '../../src/mail/typeorm-outbox.store.js';
import { FakeClock } from '../support/fake-clock.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';

const options: MailOutboxOptions = { baseRetryMs: 1000, maxRetryMs: 8000, maxAttempts: 5 };

/** The store, counting claims: the poll test waits for polls, never for time. */
class CountingStore extends TypeOrmOutboxStore {
  claims = 0;
  override claim(options: OutboxClaim) {
    this.claims += 1;
    return super.claim(options);
  }
}

describe('MailOutbox', () => {
  let schema: { schema: string; drop: () => Promise<void> };
  let sources: DataSource[];
  let mailers: SmtpMailer[];
  let outboxes: MailOutbox[];
  let sink: SmtpSink;
  let clock: FakeClock;
  let tokens: number;

  beforeEach(async () => {
    [schema, sink] = await Promise.all([createTestSchema(), SmtpSink.start()]);
    sources = [];
    mailers = [];
    outboxes = [];
    clock = new FakeClock();
    tokens = 0;
  });
  afterEach(async () => {
    await Promise.all(outboxes.map((outbox) => outbox.stop()));
    await Promise.all(mailers.map((mailer) => mailer.close()));
    await Promise.all(sources.map((source) => source.destroy()));
    await sink.stop();
    await schema.drop();
  });

  /** A store on a DataSource of its own (as another app instance, or the app after a restart). */
  async function newStore(): Promise<CountingStore> {
    const source = await openDatabase(
      { type: 'postgres', url: TEST_DATABASE_URL },
      { schema: schema.schema },
    );
    sources.push(source);
    return new CountingStore(source, clock);
  }

  /** An outbox whose `welcome` handler mints a token at send time, as the real ones do. */
  async function newOutbox(extra: MailOutboxOptions = {}, store?: TypeOrmOutboxStore) {
    const mailer = new SmtpMailer({ url: sink.url, from: 'no-reply@example.com' });
    mailers.push(mailer);
    const outbox = new MailOutbox(store ?? (await newStore()), mailer, clock, {
      ...options,
      ...extra,
    });
    outbox.register('welcome', async (payload) => {
      const link = `https://app.example.com/verify?token=secret-${(tokens += 1)}`;
      return {
        to: String(payload.email),
        subject: `Welcome ${String(payload.n)}`,
        text: `Verify: ${link}`,
        html: `<a href="${link}">Verify</a>`,
      };
    });
    outboxes.push(outbox);
    return outbox;
  }

  const subjects = () => sink.messages.map((mail) => mail.subject).sort();

  describe('enqueue', () => {
    it('writes the job and sends nothing until the worker runs', async () => {
      const store = await newStore();
      const outbox = await newOutbox({}, store);
      await outbox.enqueue('welcome', { email: 'ada@example.com', n: 1 });
      expect(await store.counts()).toEqual({ pending: 1, dead: 0 });
      expect(tokens).toBe(0);
      expect(sink.messages).toEqual([]);
      expect(await outbox.drain()).toBe(1);
      expect(sink.messages).toEqual([
        expect.objectContaining({ to: ['ada@example.com'], subject: 'Welcome 1' }),
      ]);
      expect(sink.messages[0].text).toMatch(
        /^Verify: https:\/\/app\.example\.com\/verify\?token=secret-1/,
      );
      expect(await store.counts()).toEqual({ pending: 0, dead: 0 });
    });

    it('throws WardenUnavailableException when the store is down', async () => {
      const store = await newStore();
      const outbox = await newOutbox({}, store);
      await sources[0].destroy();
      sources = [];
      await expect(outbox.enqueue('welcome', { email: 'a@example.com' })).rejects.toBeInstanceOf(
        WardenUnavailableException,
      );
    });
  });

  describe('start', () => {
    it('delivers an enqueued mail without a drain call, and stop() waits for the send', async () => {
      const store = await newStore();
      const outbox = await newOutbox({}, store);
      outbox.start();
      outbox.start();
      await outbox.enqueue('welcome', { email: 'ada@example.com', n: 1 });
      await sink.waitFor((mail) => mail.subject === 'Welcome 1');
      await outbox.stop();
      expect(await store.counts()).toEqual({ pending: 0, dead: 0 });
      expect(sink.messages).toHaveLength(1);
    });

    it('logs store failures as one warning a minute, and keeps polling', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const store = await newStore();
        const outbox = await newOutbox({ pollIntervalMs: 5 }, store);
        await sources[0].destroy();
        sources = [];
        outbox.start();
        await until(() => store.claims >= 5);
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0][0]).toMatch(
          /^Mail outbox poll failed, will retry: Database unavailable/,
        );
        clock.advanceSeconds(60);
        const claims = store.claims;
        await until(() => store.claims >= claims + 5);
        expect(warn).toHaveBeenCalledTimes(2);
        expect(warn.mock.calls[1][0]).toMatch(/\(\d+ more since the last warning\)$/);
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('drain', () => {
    it('retries with exponential backoff while SMTP refuses, then delivers exactly once', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const store = await newStore();
        const outbox = await newOutbox({}, store);
        await outbox.enqueue('welcome', { email: 'ada@example.com', n: 1 });
        sink.refuse(true);
        expect(await outbox.drain()).toBe(0);
        expect(sink.refusedCount).toBe(1);
        for (const [delayMs, refusals] of [
          [1000, 2],
          [2000, 3],
          [4000, 4],
        ]) {
          clock.advanceSeconds(delayMs / 1000 - 0.001);
          expect(await outbox.drain()).toBe(0); // not due yet
          expect(sink.refusedCount).toBe(refusals - 1);
          clock.advanceSeconds(0.001);
          expect(await outbox.drain()).toBe(0);
          expect(sink.refusedCount).toBe(refusals);
        }
        sink.refuse(false);
        clock.advanceSeconds(8);
        expect(await outbox.drain()).toBe(1);
        clock.advanceSeconds(3600);
        expect(await outbox.drain()).toBe(0);
        expect(subjects()).toEqual(['Welcome 1']);
        expect(await store.counts()).toEqual({ pending: 0, dead: 0 });
        expect(warn.mock.calls.map(([line]) => line)).toEqual([
          expect.stringMatching(
            /^Mail job [0-9a-f-]{36} \(welcome\) attempt 1\/5 failed, retry in 1 s: .*451/,
          ),
          expect.stringMatching(/attempt 2\/5 failed, retry in 2 s/),
          expect.stringMatching(/attempt 3\/5 failed, retry in 4 s/),
          expect.stringMatching(/attempt 4\/5 failed, retry in 8 s/),
        ]);
      } finally {
        warn.mockRestore();
      }
    });

    it('gives a job up after maxAttempts, logging no payload, address or link', async () => {
      const spies = (['log', 'warn', 'error'] as const).map((level) =>
        jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined),
      );
      try {
        const store = await newStore();
        const outbox = await newOutbox({ maxAttempts: 3 }, store);
        await outbox.enqueue('welcome', { email: 'ada@example.com', n: 1 });
        sink.refuse(true);
        for (let i = 0; i < 3; i++) {
          await outbox.drain();
          clock.advanceSeconds(3600);
        }
        expect(await outbox.drain()).toBe(0);
        expect(sink.refusedCount).toBe(3);
        expect(await store.counts()).toEqual({ pending: 0, dead: 1 });
        const [, , error] = spies;
        expect(error).toHaveBeenCalledTimes(1);
        expect(error.mock.calls[0][0]).toMatch(
          /^Mail job \S+ \(welcome\) attempt 3\/3 failed, given up: /,
        );
        const logged = JSON.stringify(spies.map((spy) => spy.mock.calls));
        expect(logged).not.toMatch(/ada@example|secret-|https:/);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    });

    it('completes a job whose handler returns null, sending nothing', async () => {
      const store = await newStore();
      const outbox = await newOutbox({}, store);
      outbox.register('unknown-user', async () => null);
      await outbox.enqueue('unknown-user', { email: 'nobody@example.com' });
      expect(await outbox.drain()).toBe(0);
      expect(await store.counts()).toEqual({ pending: 0, dead: 0 });
      expect(sink.messages).toEqual([]);
    });

    it('gives up a job of a kind without a handler', async () => {
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        const store = await newStore();
        const outbox = await newOutbox({}, store);
        await outbox.enqueue('no-such-kind', { email: 'a@example.com' });
        expect(await outbox.drain()).toBe(0);
        expect(await store.counts()).toEqual({ pending: 0, dead: 1 });
        expect(error.mock.calls[0][0]).toMatch(/\(no-such-kind\) has no handler: given up$/);
      } finally {
        error.mockRestore();
      }
    });

    it('sends each of 20 jobs exactly once when two instances drain one database together', async () => {
      const [a, b] = [await newOutbox({ batchSize: 3 }), await newOutbox({ batchSize: 3 })];
      const expected = Array.from({ length: 20 }, (_, n) => `Welcome ${n}`).sort();
      await Promise.all(
        expected.map((_, n) => (n % 2 ? a : b).enqueue('welcome', { email: 'x@example.com', n })),
      );
      const sent = await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
      expect(sent[0] + sent[1]).toBe(20);
      expect(subjects()).toEqual(expected);
      expect(await a.drain()).toBe(0);
      expect(await b.drain()).toBe(0);
    });

    it('sends after a restart what the stopped instance left, and a crashed lease once it expires', async () => {
      const first = await newOutbox();
      for (const n of [1, 2, 3]) await first.enqueue('welcome', { email: 'x@example.com', n });
      await first.stop();
      // A crash between claim (or send) and complete: the job stays leased to the dead owner.
      const leftover = await newStore();
      const past = clock.now() - 1000;
      const payload = { email: 'x@example.com', n: 4 };
      await leftover.enqueue({ kind: 'welcome', payload, availableAt: past });
      await leftover.claim({ now: past, owner: 'crashed', leaseMs: 60_000, limit: 10 });
      const second = await newOutbox({ leaseMs: 30_000 });
      expect(await second.drain()).toBe(3);
      expect(subjects()).toEqual(['Welcome 1', 'Welcome 2', 'Welcome 3']);
      clock.advanceSeconds(60);
      expect(await second.drain()).toBe(1);
      expect(subjects()).toEqual(['Welcome 1', 'Welcome 2', 'Welcome 3', 'Welcome 4']);
      expect(await leftover.counts()).toEqual({ pending: 0, dead: 0 });
    });
  });
});

/** Resolves once `condition` holds (checked every few ms); fails after 5 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition();) {
    if (Date.now() - started > 5000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
