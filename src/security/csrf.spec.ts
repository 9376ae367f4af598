import { sameOrigin } from './csrf.js';

describe('sameOrigin', () => {
  const host = 'app.example.com';

  it('refuses Sec-Fetch-Site cross-site in any case, alone, repeated or comma-joined', () => {
    for (const site of ['cross-site', 'Cross-Site', 'CROSS-SITE', ' cross-site ']) {
      expect(sameOrigin({ host, 'sec-fetch-site': site })).toBe(false);
    }
    expect(sameOrigin({ host, 'sec-fetch-site': ['same-origin', 'cross-site'] })).toBe(false);
    expect(sameOrigin({ host, 'sec-fetch-site': 'same-origin, cross-site' })).toBe(false);
  });

  it('lets same-origin, same-site, none and a missing header through', () => {
    for (const site of ['same-origin', 'Same-Site', 'none', undefined, []]) {
      expect(sameOrigin({ host, 'sec-fetch-site': site })).toBe(true);
    }
  });

  it('compares Origin with Host, refusing null, garbage, and repeated values', () => {
    expect(sameOrigin({ host, origin: 'https://app.example.com' })).toBe(true);
    expect(sameOrigin({ host: 'App.Example.com', origin: 'https://app.example.com' })).toBe(true);
    expect(sameOrigin({ host, origin: 'https://evil.example' })).toBe(false);
    expect(sameOrigin({ host, origin: 'null' })).toBe(false);
    expect(sameOrigin({ host, origin: 'not a url' })).toBe(false);
    expect(sameOrigin({ origin: 'https://app.example.com' })).toBe(false);
    expect(sameOrigin({ host, origin: ['https://app.example.com', 'https://evil.example'] })).toBe(
      false,
    );
    expect(sameOrigin({ host: [host, 'evil.example'], origin: 'https://app.example.com' })).toBe(
      false,
    );
  });
});
