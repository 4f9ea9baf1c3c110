import { describeFailure, WrapError } from '../../src/errors.js';
import { createLogger, redact } from '../../src/log.js';
import { forwardHeaders, isAuthorized, upstreamUrl, withMaxTokens } from '../../src/proxy/forward.js';
import { lastUserText, mockResponseEvents } from '../../src/proxy/mock-model.js';
import { describeGrantError, expiryOf, jwtExp } from '../../src/token/source.js';

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

test.each([
  ['expires_in wins, one second early (it is rounded)', 'opaque', 60, 1000 + 59_000],
  ['a 1 s token is taken as half a second', 'opaque', 1, 1500],
  ['a JWT exp without expires_in', jwt({ exp: 500 }), undefined, 500_000],
  ['neither: one refresh interval', 'opaque', undefined, 1000 + 900_000],
  ['a JWT without exp', jwt({ sub: 'x' }), undefined, 1000 + 900_000],
])('expiryOf: %s', (_n, value, expiresIn, want) => expect(expiryOf(value, expiresIn, 1000, 900_000)).toBe(want));

test('jwtExp ignores garbage', () => expect(jwtExp('a.%%%.c')).toBeUndefined());

const endpoint = new URL('https://idp.example.com/oauth2/token?x=1');
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
  ['HTML answer', Object.assign(new Error('x'), { code: 'OAUTH_RESPONSE_IS_NOT_JSON' }), 5, /did not answer with an OAuth token response/],
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

test('describeFailure: a user error is one line without a stack; a bug says so', () => {
  const user = describeFailure(new WrapError('bad', { hint: 'do this', exitCode: 2 }), false);
  expect(user).toEqual({ text: 'codex-wrap: bad — do this', exitCode: 2 });
  const bug = describeFailure(new Error('boom'), false);
  expect(bug.exitCode).toBe(70);
  expect(bug.text).toMatch(/internal error: boom .*please report.*--debug/);
  expect(bug.text).not.toMatch(/\n\s+at /);
  expect(describeFailure(new Error('boom'), true).text).toMatch(/\n\s+at /);
});

test('redact and the logger never print a registered secret', () => {
  expect(redact('a s3cr3t b s3cr3t', ['s3cr3t'])).toBe('a [redacted] b [redacted]');
  const out: string[] = [];
  const log = createLogger({ write: (l) => out.push(l), verbose: true });
  log.secret('tok-123456');
  log.verbose('got tok-123456');
  log.info('x tok-123456');
  expect(out.join('')).not.toContain('tok-123456');
});

test('isAuthorized accepts exactly the session key', () => {
  expect(isAuthorized('Bearer k1', 'k1')).toBe(true);
  for (const h of [undefined, '', 'Bearer k2', 'bearer k1', 'Bearer k1 ', 'k1']) expect(isAuthorized(h, 'k1')).toBe(false);
});

test('forwardHeaders drops hop-by-hop headers, those named in Connection, and chosen ones', () => {
  const h = forwardHeaders(
    {
      host: 'x',
      connection: 'keep-alive, x-hop',
      'keep-alive': '5',
      'x-hop': '1',
      'transfer-encoding': 'chunked',
      authorization: 'Bearer k',
      accept: 'text/event-stream',
      'session-id': 's',
    },
    ['authorization'],
  );
  expect(h).toEqual({ accept: 'text/event-stream', 'session-id': 's' });
});

test.each([
  ['https://gw/v1', '/v1/responses', 'https://gw/v1/responses'],
  ['https://gw/v1/', '/v1/responses?a=1', 'https://gw/v1/responses?a=1'],
  ['https://gw/api/openai/v1', '/v1/models', 'https://gw/api/openai/v1/models'],
  ['https://gw/v1?api-version=2', '/v1/responses', 'https://gw/v1/responses?api-version=2'],
])('upstreamUrl(%s, %s)', (base, path, want) => expect(upstreamUrl(new URL(base), path).href).toBe(want));

test.each([
  ['adds when absent', '{"model":"m"}', 4096, { model: 'm', max_output_tokens: 4096 }],
  ['keeps a value Codex set', '{"max_output_tokens":10}', 4096, { max_output_tokens: 10 }],
  ['0 turns it off', '{"model":"m"}', 0, { model: 'm' }],
])('withMaxTokens: %s', (_n, body, max, want) => expect(JSON.parse(withMaxTokens(Buffer.from(body), max).toString())).toEqual(want));

test('withMaxTokens leaves non-JSON alone', () => expect(withMaxTokens(Buffer.from('nope'), 5).toString()).toBe('nope'));

test.each([
  ['{"model":"m"}', '{"max_output_tokens":7,"model":"m"}'],
  [' { "a" : [1, {"b":2}] }', ' {"max_output_tokens":7, "a" : [1, {"b":2}] }'],
  ['{}', '{"max_output_tokens":7}'],
  ['{ }', '{"max_output_tokens":7 }'],
])('withMaxTokens keeps every other byte: %s', (body, want) => {
  const out = withMaxTokens(Buffer.from(body), 7).toString();
  expect(out).toBe(want);
  expect(JSON.parse(out)).toEqual({ ...JSON.parse(body), max_output_tokens: 7 });
});

test('the mock model echoes the last user message, completed', () => {
  const body = {
    input: [
      { role: 'user', content: [{ type: 'input_text', text: 'first' }] },
      { role: 'assistant', content: [] },
      { role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
    ],
  };
  expect(lastUserText(body)).toBe('hello');
  const events = mockResponseEvents('hi there', '1').map((e) => JSON.parse(e.split('data: ')[1]));
  expect(events.map((e) => e.type)).toEqual([
    'response.created',
    'response.output_item.added',
    'response.output_text.delta',
    'response.output_text.delta',
    'response.output_item.done',
    'response.completed',
  ]);
  expect(events[4].item.content[0].text).toBe('hi there');
});
