import { describeFailure } from '../../src/errors.js';
import { describeGrantError, expiryOf, jwtClaims, jwtExp, parseRetryAfter } from '../../src/token/source.js';

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

const endpoint = new URL('https://idp.example.com/oauth2/token?x=1');

test.each([
  ['expires_in wins, one second early (it is rounded)', 'opaque', 60, 1000 + 59_000],
  ['a 1 s token is taken as half a second', 'opaque', 1, 1500],
  ['a JWT exp without expires_in', jwt({ exp: 500 }), undefined, 500_000],
  ['neither: one refresh interval', 'opaque', undefined, 1000 + 900_000],
  ['a JWT without exp', jwt({ sub: 'x' }), undefined, 1000 + 900_000],
])('expiryOf: %s', (_n, value, expiresIn, want) => expect(expiryOf(value, expiresIn, 1000, 900_000)).toBe(want));

test('jwtExp ignores garbage', () => expect(jwtExp('a.%%%.c')).toBeUndefined());

test.each([
  [
    'invalid_client',
    Object.assign(new Error('x'), { error: 'invalid_client', status: 401 }),
    4,
    /refused the token request: invalid_client, HTTP 401 — check OAUTH_CLIENT_ID/,
  ],
  [
    'invalid_scope',
    Object.assign(new Error('x'), { error: 'invalid_scope', error_description: 'bad scope' }),
    4,
    /invalid_scope \(bad scope\) — check OAUTH_SCOPE/,
  ],
  [
    'HTML answer',
    Object.assign(new Error('x'), { code: 'OAUTH_RESPONSE_IS_NOT_JSON' }),
    5,
    /did not answer with JSON \(an HTML page or other text\)/,
  ],
  ['HTTP 502', Object.assign(new Error('x'), { code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', cause: { status: 502 } }), 5, /answered HTTP 502/],
  [
    'unreachable',
    Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
    5,
    /cannot reach the token endpoint https:\/\/idp\.example\.com\/oauth2\/token \(ECONNREFUSED\)/,
  ],
  ['timeout', Object.assign(new Error('t'), { name: 'TimeoutError' }), 5, /did not answer within 20 s/],
])('describeGrantError: %s', (_n, err, code, text) => {
  const e = describeGrantError(err, endpoint);
  expect(e.exitCode).toBe(code);
  expect(describeFailure(e, false).text).toMatch(text);
  expect(describeFailure(e, false).text.split('\n')).toHaveLength(1);
});

test('jwtClaims decodes a JWT and ignores an opaque token', () => {
  const jwt = `e30.${Buffer.from('{"sub":"svc","aud":"llm"}').toString('base64url')}.sig`;
  expect(jwtClaims(jwt)).toEqual({ sub: 'svc', aud: 'llm' });
  expect(jwtClaims('opaque-token')).toBeUndefined();
});

test.each([
  ['30', 30_000],
  [' 0 ', 0],
  ['Wed, 02 Dec 2026 00:01:00 GMT', 60_000],
  ['Wed, 02 Dec 2026 00:00:00 GMT', 0],
  ['soon', undefined],
  ['', undefined],
  [null, undefined],
])('parseRetryAfter(%p) = %p ms', (value, want) => {
  expect(parseRetryAfter(value, Date.parse('Wed, 02 Dec 2026 00:00:00 GMT'))).toBe(want);
});
