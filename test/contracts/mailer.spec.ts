import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { LogMailer } from '../../src/mail/log.mailer.js';
import { SmtpMailer } from '../../src/mail/smtp.mailer.js';
import { SmtpSink } from '../support/smtp-sink.js';

const message = {
  to: 'ada@example.com',
  subject: 'Verify your email',
  text: 'Open https://app.example.com/verify?token=abc123 to verify.',
  html: '<p>Open <a href="https://app.example.com/verify?token=abc123">this link</a>.</p>',
};

describe('SmtpMailer', () => {
  let sink: SmtpSink;
  let mailer: SmtpMailer | undefined;

  beforeEach(async () => {
    sink = await SmtpSink.start();
  });
  afterEach(async () => {
    await mailer?.close();
    mailer = undefined;
    await sink.stop();
  });

  const withCredentials = (url: string) => url.replace('smtp://', 'smtp://alice:s3cr%40t@');

  describe('send', () => {
    it('delivers the text and the HTML with the From, logged in with the URL credentials', async () => {
      const from = '"Example" <no-reply@example.com>';
      mailer = new SmtpMailer({ url: withCredentials(sink.url), from });
      await mailer.send(message);
      const mail = await sink.waitFor((m) => m.subject === message.subject);
      expect(mail).toEqual({
        to: ['ada@example.com'],
        from,
        subject: message.subject,
        text: message.text,
        html: message.html,
        user: 'alice',
      });
    });

    it('rejects while the server refuses (451), and delivers once it accepts', async () => {
      mailer = new SmtpMailer({ url: sink.url, from: 'no-reply@example.com' });
      sink.refuse(true);
      await expect(mailer.send(message)).rejects.toThrow(/451/);
      sink.refuse(false);
      await mailer.send(message);
      expect(sink.messages).toHaveLength(1);
    });
  });

  describe('check', () => {
    it('passes against a reachable server', async () => {
      mailer = new SmtpMailer({ url: withCredentials(sink.url), from: 'no-reply@example.com' });
      await expect(mailer.check()).resolves.toBeUndefined();
    });

    it('names the server and the fix on one line, never the password', async () => {
      const url = withCredentials(sink.url);
      await sink.stop(); // nothing listens on its port now
      mailer = new SmtpMailer({ url, from: 'no-reply@example.com', timeoutMs: 1000 });
      const error = await mailer.check().then(
        () => new Error('check passed'),
        (e: Error) => e,
      );
      const server = url.replace('alice:s3cr%40t@', '');
      expect(error.message).toMatch(
        new RegExp(
          `^SmtpMailer: the mail server at ${server} failed the check \\(.+\\): check the host and port`,
        ),
      );
      expect(error.message).not.toMatch(/s3cr|alice|\n/);
    });
  });

  describe('constructor', () => {
    it('refuses a URL that is not smtp:// or smtps://, without echoing it', () => {
      expect(
        () => new SmtpMailer({ url: 'http://bob:hunter2@mail.example.com', from: 'a@example.com' }),
      ).toThrow(/^SmtpMailer: url must start with smtp:\/\/ or smtps:\/\/ \(got http:\/\/\)/);
      expect(() => new SmtpMailer({ url: 'not a url hunter2', from: 'a@example.com' })).toThrow(
        /^SmtpMailer: url is not a URL: give smtp:/,
      );
    });
  });
});

describe('LogMailer', () => {
  describe('send', () => {
    it('logs the recipient, the subject and the links of the text', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      try {
        await new LogMailer().send(message);
        expect(log).toHaveBeenCalledTimes(1);
        expect(log.mock.calls[0][0]).toBe(
          'Mail to ada@example.com: "Verify your email" https://app.example.com/verify?token=abc123',
        );
      } finally {
        log.mockRestore();
      }
    });
  });
});
