import { LoginDto } from './dto/login.dto.js';
import { plainLoginBody } from './login-body.js';
import { wardenValidationPipe } from './validation.js';

/** What the validation pipe makes of `body`: the DTO, or the error it throws. */
function throughPipe(body: unknown): Promise<unknown> {
  return wardenValidationPipe
    .transform(body, { type: 'body', metatype: LoginDto })
    .catch((error: unknown) => error);
}

const long = (n: number, c = 'a') => c.repeat(n);

const bodies: unknown[] = [
  { email: 'alice@example.com', password: 'correct horse battery staple' },
  { email: '  Alice@Example.COM ', password: 'x' },
  { email: 'ＡＬＩＣＥ@example.com', password: 'pässwörd' },
  { email: 'alice@example.com', password: 'p', rememberMe: true },
  { email: 'alice@example.com', password: 'p', rememberMe: false },
  { email: 'alice@example.com', password: 'p', rememberMe: null },
  { email: 'alice@example.com', password: 'p', rememberMe: 'true' },
  { email: 'alice@example.com', password: 'p', rememberMe: 1 },
  { email: 'alice@example.com', password: 'p', extra: 1 },
  { email: 'alice@example.com', password: 'p', ['__proto__']: 1 },
  JSON.parse('{"email":"a@b.c","password":"p","__proto__":{"x":1}}'),
  { email: 'alice@example.com' },
  { password: 'p' },
  { email: 1, password: 'p' },
  { email: 'alice@example.com', password: 1 },
  { email: 'alice@example.com', password: ['p'] },
  { email: '', password: 'p' },
  { email: '   ', password: 'p' },
  { email: 'alice@example.com', password: '' },
  { email: '\uFE0F', password: 'p' },
  { email: 'a@b.c', password: '\uFE0F\uFE0E' },
  { email: 'a@b.c', password: '😀' },
  { email: 'a@b.c', password: '\uD83D' },
  { email: `${long(242)}@example.com`, password: 'p' },
  { email: `${long(243)}@example.com`, password: 'p' },
  { email: `${long(230)}😀@example.com`, password: 'p' },
  { email: 'a@b.c', password: long(1024) },
  { email: 'a@b.c', password: long(1025) },
  { email: 'a@b.c', password: long(1020, '😀') },
  { email: 'a@b.c', password: `${long(1023)}\uFE0F` },
  { email: { toString: () => 'a@b.c' }, password: 'p' },
  Object.assign(Object.create({ inherited: 1 }), { email: 'a@b.c', password: 'p' }),
  null,
  'email=a@b.c',
  ['a@b.c', 'p'],
  42,
];

describe('plainLoginBody', () => {
  it.each(bodies.map((body, i) => [i, body]))(
    'gives what the validation pipe gives, or leaves the body to the pipe (#%i)',
    async (_i, body) => {
      const piped = await throughPipe(structuredCloneOrSame(body));
      const direct = plainLoginBody(structuredCloneOrSame(body));
      if (direct === null) return; // the pipe decides, as before
      expect(piped).toBeInstanceOf(LoginDto);
      expect(direct).toStrictEqual(piped);
    },
  );

  it('takes the direct path for ordinary logins', () => {
    expect(plainLoginBody({ email: ' Bob@Example.com', password: 'p', rememberMe: true })).toEqual(
      Object.assign(new LoginDto(), { email: 'bob@example.com', password: 'p', rememberMe: true }),
    );
    expect(plainLoginBody({ email: 'bob@example.com', password: 'p' })).toBeInstanceOf(LoginDto);
    // At the edges too (then compared with the pipe above).
    for (const body of [bodies[1], bodies[2], bodies[4], bodies[23], bodies[25], bodies[26]]) {
      expect(plainLoginBody(body)).toBeInstanceOf(LoginDto);
    }
  });

  it('leaves every body the pipe refuses to the pipe', async () => {
    for (const body of bodies) {
      const piped = await throughPipe(structuredCloneOrSame(body));
      if (!(piped instanceof LoginDto)) expect(plainLoginBody(body)).toBeNull();
    }
  });
});

/** A copy for values structuredClone takes (the pipe must not see the other call's object). */
function structuredCloneOrSame(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
