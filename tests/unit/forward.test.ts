import { confinedPath, forwardHeaders, isAuthorized, upstreamPath, upstreamUrl, withMaxTokens } from '../../src/proxy/forward.js';

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

test.each([
  ['/v1/responses', '/v1/responses'],
  ['/v1', '/v1'],
  ['/v1/models?x=1&y=/../z', '/v1/models?x=1&y=/../z'],
  ['/v1/a/./b/../responses', '/v1/a/responses'],
  ['/v1/a/%2E/responses', '/v1/a/responses'],
  ['/v1/a/..', '/v1/'],
  ['/v1/../v1/responses', '/v1/responses'],
  ['/v1/../../admin', undefined],
  ['/v1/%2e%2e/admin', undefined],
  ['/v1/..%2fadmin', undefined],
  ['/v1/x%5C..', undefined],
  ['/v1/%00', undefined],
  ['/v1/%E0%A4%A', undefined],
  ['/v2/responses', undefined],
  ['/v10/responses', undefined],
  ['/', undefined],
  ['http://evil/v1/responses', undefined],
  ['*', undefined],
])('confinedPath(%p) = %p', (target, want) => expect(confinedPath(target)).toBe(want));

test.each([
  ['{"input":"says max_output_tokens in a string"}', '{"max_output_tokens":7,"input":"says max_output_tokens in a string"}'],
  ['\n{"a":1}\n', '\n{"max_output_tokens":7,"a":1}\n'],
  ['{"max_output_tokens":3}', '{"max_output_tokens":3}'],
  ['[1]', '[1]'],
  ['  ', '  '],
  ['', ''],
])('withMaxTokens, with and without the fast path: %j', (body, want) => {
  expect(withMaxTokens(Buffer.from(body), 7).toString()).toBe(want);
});

test.each([
  ['https://gw/v1', '/v1/responses'],
  ['https://gw/v1/', '/v1/responses?a=1&b=x%20y'],
  ['https://gw/api/openai/v1', '/v1/models/gpt-4.1'],
  ['https://gw/v1?api-version=2', '/v1/responses'],
  ['https://gw/v1', '/v1'],
  ['https://gw/v1', '/v1/a{b}?q="x"'],
  ['https://gw/v1', '/v1/caf%C3%A9?x=%7B'],
])('upstreamPath(%s, %s) is the path and query of upstreamUrl', (base, path) => {
  const url = upstreamUrl(new URL(base), path);
  expect(upstreamPath(new URL(base), path)).toBe(url.pathname + url.search);
});
