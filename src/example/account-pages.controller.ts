import { applyDecorators, Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/** The pages mail links open, each a form that POSTs the link's token to its API route. */
const PAGES = {
  'verify-email': {
    title: 'Confirm your email address',
    api: '/auth/email/verify',
    password: false,
  },
  'reset-password': { title: 'Choose a new password', api: '/auth/password/reset', password: true },
  'confirm-email-change': {
    title: 'Confirm your new email address',
    api: '/auth/email/change/confirm',
    password: false,
  },
} as const;

/**
 * The token arrives in the URL, so the page is never cached, sends no Referer, runs only its own
 * script and moves the token out of the address bar before anything else happens.
 */
const HtmlPage = () =>
  applyDecorators(
    Header('Content-Type', 'text/html; charset=utf-8'),
    Header('Cache-Control', 'no-store'),
    Header('Referrer-Policy', 'no-referrer'),
    Header(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
  );

function page(kind: keyof typeof PAGES): string {
  const { title, api, password } = PAGES[kind];
  const field = password
    ? '<label>New password <input type="password" name="newPassword" autocomplete="new-password" required minlength="8"></label>'
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: sans-serif; max-width: 30em; margin: 3em auto">
<h1>${title}</h1>
<form data-api="${api}">${field}<button type="submit">${password ? 'Set password' : 'Confirm'}</button></form>
<p role="status"></p>
<script src="/account-pages.js"></script>
</body></html>`;
}

/** Reads the token once, takes it out of the URL, and POSTs it (with the form's fields) as JSON. */
const SCRIPT = `(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  history.replaceState(null, '', location.pathname);
  const form = document.querySelector('form');
  const status = document.querySelector('[role=status]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    const res = await fetch(form.dataset.api, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, ...body }),
    });
    const answer = res.status === 204 ? null : await res.json().catch(() => null);
    status.textContent = res.ok ? 'Done.' : (answer && answer.message) || 'Something went wrong.';
    if (res.ok) form.remove();
  });
})();
`;

/**
 * The example app's landing pages for mail links (`/verify-email`, `/reset-password`,
 * `/confirm-email-change`), so that a developer running `npm start` can follow a logged link. A
 * real app serves its own front end at the paths `account.links` names.
 */
@ApiExcludeController()
@Controller()
export class AccountPagesController {
  @Get('verify-email')
  @HtmlPage()
  verifyEmail(): string {
    return page('verify-email');
  }

  @Get('reset-password')
  @HtmlPage()
  resetPassword(): string {
    return page('reset-password');
  }

  @Get('confirm-email-change')
  @HtmlPage()
  confirmEmailChange(): string {
    return page('confirm-email-change');
  }

  @Get('account-pages.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return SCRIPT;
  }
}
