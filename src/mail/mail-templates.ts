/** A mail's content, before it is addressed. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What every template gets: whom it greets and the app's name. */
export interface MailContext {
  displayName: string;
  appName: string;
}

/** Where and when a sign-in happened, for the new-client notice. No secret. */
export interface SignInDetails {
  ip: string | null;
  userAgent: string | null;
  /** ISO time. */
  at: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML (element content and quoted attributes). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * nest-warden's mails, plain text and HTML. Replace any of them by subclassing and passing an
 * instance as `account.templates`: every value given here is plain text (HTML-escape it in
 * `html`, as {@link MailTemplates.compose} does). A mail carries at most one link with a token,
 * and no notice carries a secret.
 */
export class MailTemplates {
  /** After registration, and on resend: confirm the address. */
  verifyEmail(context: MailContext, link: string): RenderedMail {
    return this.compose(
      `Confirm your email address for ${context.appName}`,
      context,
      ['Please confirm that this is your email address.'],
      { label: 'Confirm email address', href: link },
      'If you did not create an account, ignore this mail: nothing happens until the link is opened.',
    );
  }

  /** `POST /auth/password/forgot` for an existing account. */
  passwordReset(context: MailContext, link: string, ttlMinutes: number): RenderedMail {
    return this.compose(
      `Reset your ${context.appName} password`,
      context,
      [
        `Someone asked to reset the password of this account. The link works once, for ${ttlMinutes} minutes.`,
      ],
      { label: 'Choose a new password', href: link },
      'If it was not you, ignore this mail: your password stays as it is.',
    );
  }

  /** To the NEW address of an email change: confirm it. */
  confirmEmailChange(context: MailContext, link: string): RenderedMail {
    return this.compose(
      `Confirm your new email address for ${context.appName}`,
      context,
      ['Confirm that this address should become the one your account signs in with.'],
      { label: 'Confirm new address', href: link },
      'If you did not ask for this, ignore this mail: nothing changes.',
    );
  }

  /** To the OLD address when a change to `newEmail` is requested. */
  emailChangeRequested(context: MailContext, newEmail: string): RenderedMail {
    return this.compose(
      `Your ${context.appName} email address is about to change`,
      context,
      [
        `Someone signed in to your account asked to change its email address to ${newEmail}.`,
        'It changes once the new address is confirmed.',
      ],
      null,
      'If it was not you, change your password now and sign out your other sessions.',
    );
  }

  /** After a password change or reset. */
  passwordChanged(context: MailContext): RenderedMail {
    return this.compose(
      `Your ${context.appName} password was changed`,
      context,
      ['The password of your account was just changed, and its other sessions were signed out.'],
      null,
      'If it was not you, reset your password now and contact support.',
    );
  }

  /** A sign-in from a client (IP) the account has not used before. */
  newSignIn(context: MailContext, details: SignInDetails): RenderedMail {
    return this.compose(
      `New sign-in to your ${context.appName} account`,
      context,
      [
        'Your account was just signed in to from a device or network it had not used before:',
        `Time: ${details.at}`,
        `IP address: ${details.ip ?? 'unknown'}`,
        `Browser: ${details.userAgent ?? 'unknown'}`,
      ],
      null,
      'If it was not you, change your password now and sign out your other sessions.',
    );
  }

  /**
   * Someone tried to register with this address (`emailVerification: 'required'`, which answers
   * both alike). `verifyLink` when the owner has not verified the address yet.
   */
  registrationAttempt(context: MailContext, verifyLink: string | null): RenderedMail {
    return this.compose(
      `Someone tried to sign up to ${context.appName} with your address`,
      context,
      [
        'Someone tried to create an account with this email address, which already has one. No second account was made.',
        ...(verifyLink ? ['Your address is not confirmed yet; you can confirm it now.'] : []),
      ],
      verifyLink ? { label: 'Confirm email address', href: verifyLink } : null,
      'If it was you, sign in instead, or reset your password if you forgot it.',
    );
  }

  /** Builds the text and HTML bodies from plain-text parts. */
  protected compose(
    subject: string,
    context: MailContext,
    paragraphs: string[],
    action: { label: string; href: string } | null,
    footer: string,
  ): RenderedMail {
    const greeting = `Hello ${context.displayName},`;
    const text = [
      greeting,
      ...paragraphs,
      ...(action ? [`${action.label}: ${action.href}`] : []),
      footer,
      `— ${context.appName}`,
    ].join('\n\n');
    const p = (line: string) => `<p>${escapeHtml(line)}</p>`;
    const html = [
      '<!doctype html><html><body style="font-family: sans-serif">',
      p(greeting),
      ...paragraphs.map(p),
      ...(action
        ? [`<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>`]
        : []),
      p(footer),
      p(`— ${context.appName}`),
      '</body></html>',
    ].join('\n');
    return { subject, text, html };
  }
}
