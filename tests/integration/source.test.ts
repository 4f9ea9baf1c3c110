/**
 * The client-credentials token source against IdPs that misbehave (issue #10): each answer gets its
 * own one-line cause and hint, reads are bounded, and Retry-After travels with the error.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WrapError } from '../../src/errors.js';
import { createOAuthTokenSource } from '../../src/token/source.js';

/** A token endpoint that handles each request with `handler`. */
async function idpWith(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/token`);
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): http.RequestListener =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

async function grant(handler: http.RequestListener, timeoutSeconds = 2): Promise<WrapError> {
  const idp = await idpWith(handler);
  const source = createOAuthTokenSource(
    { endpoint: idp.url, clientId: 'cid', clientSecret: 'secret', authMethod: 'client_secret_basic' },
    { now: Date.now, fallbackLifetimeMs: 60_000, timeoutSeconds },
  );
  try {
    const err = await source.fetch().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrapError);
    return err as WrapError;
  } finally {
    await idp.close();
  }
}

test.each<[string, http.RequestListener, RegExp, RegExp]>([
  [
    'a negative expires_in',
    json(200, { access_token: 'a', token_type: 'Bearer', expires_in: -5 }),
    /answered with an unusable token response: "expires_in" property must be a non-negative number$/,
    /expires_in \(if sent\) must not be negative/,
  ],
  [
    'a missing token_type',
    json(200, { access_token: 'a', expires_in: 60 }),
    /unusable token response: "token_type" property must be a string$/,
    /needs access_token and token_type/,
  ],
  [
    'token_type mac',
    json(200, { access_token: 'a', token_type: 'mac' }),
    /issued a token of a type codex-wrap cannot send \(token_type is not Bearer\)/,
    /Bearer tokens/,
  ],
  ['a 503 with Retry-After', json(503, {}, { 'retry-after': '30' }), /is busy \(HTTP 503\)$/, /Retry-After/],
  [
    'a 429 slow_down',
    json(429, { error: 'slow_down' }, { 'retry-after': '12' }),
    /refused the token request: slow_down, HTTP 429$/,
    /slow down/,
  ],
])('%s: its own cause and hint, exit 5', async (_name, handler, message, hint) => {
  const err = await grant(handler);
  expect(err.message).toMatch(message);
  expect(err.hint).toMatch(hint);
  expect(err.exitCode).toBe(5);
});

test('Retry-After travels with the error (seconds, or an HTTP date)', async () => {
  expect((await grant(json(503, {}, { 'retry-after': '30' }))).retryAfterMs).toBe(30_000);
  expect((await grant(json(429, { error: 'slow_down' }, { 'retry-after': '12' }))).retryAfterMs).toBe(12_000);
  const at = new Date(Date.now() + 60_000).toUTCString();
  expect((await grant(json(503, {}, { 'retry-after': at }))).retryAfterMs).toBeGreaterThan(55_000);
});

test('an answer that never comes: a timeout, said as one', async () => {
  const err = await grant(() => {}, 1);
  expect(err.message).toMatch(/did not answer within 1 s$/);
});

test('a body sent byte by byte past the timeout: the answer did not finish, not "not JSON"', async () => {
  const err = await grant((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const body = JSON.stringify({ access_token: 'a', token_type: 'Bearer' });
    let i = 0;
    const timer = setInterval(() => {
      if (i < body.length) res.write(body[i++]);
      else res.end();
    }, 300);
    res.on('close', () => clearInterval(timer));
  }, 1);
  expect(err.message).toMatch(/did not finish its answer within 1 s$/);
});

test('an endless body is cut at 1 MiB, without growing memory further', async () => {
  const before = process.memoryUsage().rss;
  const err = await grant((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (res.write(chunk)) {}
      res.once('drain', pump);
    };
    pump();
  }, 10);
  expect(err.message).toMatch(/sent more than 1024 KiB$/);
  expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
});
