import { COOKIE, cookieValue, decide, type Keys, type Request, SECURITY_HEADERS, sessionCookie } from '../../src/dashboard/access.js';

const keys: Keys = { port: 4100, loginToken: 'login-token-1234', cookie: 'cookie-value-5678' };
const host = '127.0.0.1:4100';
const signedIn = `${COOKIE}=cookie-value-5678`;
const own = 'http://127.0.0.1:4100';
const req = (r: Partial<Request>): Request => ({ method: 'GET', url: '/', host, ...r });

test.each<[string, Partial<Request>, Keys, string]>([
  ['a hostile name for 127.0.0.1 (DNS rebinding)', { host: 'evil.example:4100', cookie: signedIn }, keys, 'refuse 400'],
  ['no Host', { host: undefined, cookie: signedIn }, keys, 'refuse 400'],
  ['another port', { host: '127.0.0.1:4101', cookie: signedIn }, keys, 'refuse 400'],
  ['no cookie', {}, keys, 'refuse 401'],
  ['no cookie, an API', { url: '/api/events' }, keys, 'refuse 401'],
  ['a wrong cookie', { cookie: `${COOKIE}=guess` }, keys, 'refuse 401'],
  ['a cookie before any login', { cookie: `${COOKIE}=` }, { ...keys, cookie: undefined }, 'refuse 401'],
  ['the login link', { url: '/?token=login-token-1234' }, keys, 'login'],
  ['the login link at localhost', { url: '/?token=login-token-1234', host: 'localhost:4100' }, keys, 'login'],
  ['a wrong token', { url: '/?token=login-token-1235' }, keys, 'refuse 403'],
  ['the link again, from another browser', { url: '/?token=login-token-1234' }, { ...keys, loginToken: undefined }, 'refuse 403'],
  ['the link again, signed in', { url: '/?token=login-token-1234', cookie: signedIn }, { ...keys, loginToken: undefined }, 'login'],
  ['a token on another path', { url: '/api/sessions?token=login-token-1234' }, keys, 'refuse 401'],
  ['signed in', { cookie: signedIn }, keys, 'allow'],
  ['signed in among other cookies', { cookie: `a=b; ${signedIn}; c=d` }, keys, 'allow'],
  ['POST without Origin', { method: 'POST', url: '/api/runs', cookie: signedIn }, keys, 'refuse 403'],
  ['POST from another origin', { method: 'POST', url: '/api/runs', cookie: signedIn, origin: 'http://evil.example' }, keys, 'refuse 403'],
  [
    'POST with the right Origin but cross-site',
    { method: 'POST', url: '/api/runs', cookie: signedIn, origin: own, fetchSite: 'cross-site' },
    keys,
    'refuse 403',
  ],
  ['POST from the page', { method: 'POST', url: '/api/runs', cookie: signedIn, origin: own, fetchSite: 'same-origin' }, keys, 'allow'],
  [
    'POST from the page at localhost',
    { method: 'POST', url: '/api/check', cookie: signedIn, origin: 'http://localhost:4100' },
    keys,
    'allow',
  ],
  ['PUT', { method: 'PUT', url: '/api/runs', cookie: signedIn, origin: own }, keys, 'refuse 405'],
])('%s', (_, r, k, expected) => {
  const d = decide(req(r), k);
  expect(d.kind === 'refuse' ? `refuse ${d.status}` : d.kind).toBe(expected);
});

test('every refusal says what to do', () => {
  const d = decide(req({}), keys);
  expect(d.kind === 'refuse' && d.message).toMatch(/open the link codex-wrap dashboard printed/);
});

test('cookieValue reads one cookie', () => {
  expect(cookieValue('a=1; codex_wrap_dashboard=x=y; b=2', COOKIE)).toBe('x=y');
  expect(cookieValue(undefined, COOKIE)).toBeUndefined();
});

test('the cookie is HttpOnly and SameSite=Strict; the policy loads nothing from elsewhere', () => {
  expect(sessionCookie('v')).toBe(`${COOKIE}=v; HttpOnly; SameSite=Strict; Path=/`);
  const csp = SECURITY_HEADERS['content-security-policy'];
  expect(csp).toMatch(/default-src 'none'/);
  expect(csp).toMatch(/script-src 'self';/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(csp).not.toMatch(/unsafe/);
});
