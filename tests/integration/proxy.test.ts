import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIN_GRANT_INTERVAL_MS } from '../../src/token/refresh.js';
import { deltasOf, within } from '../support/fake-codex.js';
import { type Idp, startIdp } from '../support/idp.js';
import { manualClock, startSession } from '../support/session.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

type ErrorBody = { error: { message: string; code: string } };
const errorOf = async (r: Response) => ((await r.json()) as ErrorBody).error;
const prompt = (text: string) => ({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text }] }], stream: true });
const deltas = deltasOf;

let idp: Idp;
let upstream: Upstream;
let revoked: Set<string>;
/** Waits (real time, 2 s at most) for something a background task does. */
const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await sleep(10);
};
beforeEach(async () => {
  idp = await startIdp({ ttlSeconds: 2 });
  revoked = new Set();
  upstream = await startUpstream({ validate: async (t) => !revoked.has(t) && idp.isValid(t) });
});
afterEach(async () => {
  await upstream.close();
  await idp.close();
});

test('a request without or with a wrong session key gets 401 and never reaches upstream', async () => {
  const s = await startSession(idp, upstream.baseUrl);
  const none = await fetch(`${s.proxy.baseUrl}/responses`, { method: 'POST', body: '{}' });
  const wrong = await s.post('/responses', {}, { headers: { authorization: 'Bearer cwk_wrong' } });
  const json = { error: await errorOf(wrong) };
  await s.close();
  expect([none.status, wrong.status]).toEqual([401, 401]);
  expect(json.error.message).toContain('session key');
  expect(upstream.requests).toHaveLength(0);
  expect(s.proxy.stats.rejected).toBe(2);
});

test('the IdP token replaces the session key; query string, headers and body pass; MAX_TOKENS is added', async () => {
  const s = await startSession(idp, upstream.baseUrl, { maxTokens: 1234 });
  const res = await s.post('/responses?trace=1', prompt('hi'), {
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json', 'session-id': 'abc', connection: 'keep-alive' },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  expect(deltas(await res.text())).toBe('upstream says: hi');
  await s.close();
  const [r] = upstream.requests;
  expect(r.path).toBe('/v1/responses?trace=1');
  expect(r.authorization).toBe(`Bearer ${s.refresher.current().value}`);
  expect(r.headers['session-id']).toBe('abc');
  expect(JSON.parse(r.body)).toEqual({ ...prompt('hi'), max_output_tokens: 1234 });
});

test('other methods and paths stream through; upstream status and body pass unchanged', async () => {
  await upstream.close();
  upstream = await startUpstream({
    handler: (req, res, body) => {
      res.writeHead(418, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
      res.end(`${req.method} ${req.url} ${body}`);
    },
  });
  const s = await startSession(idp, upstream.baseUrl);
  const res = await fetch(`${s.proxy.baseUrl}/files/x?y=1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${s.key}` },
    body: 'payload',
  });
  await s.close();
  expect(res.status).toBe(418);
  expect(res.headers.get('x-upstream')).toBe('yes');
  expect(await res.text()).toBe('PUT /v1/files/x?y=1 payload');
});

test('a streamed answer reaches the client chunk by chunk, with its original spacing', async () => {
  await upstream.close();
  upstream = await startUpstream({
    handler: async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 6; i++) {
        res.write(`data: {"type":"response.output_text.delta","delta":"c${i}"}\n\n`);
        await sleep(250);
      }
      res.end();
    },
  });
  const s = await startSession(idp, upstream.baseUrl);
  const res = await s.post('/responses', prompt('long'));
  const arrivals: number[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
    arrivals.push(Date.now());
  }
  await s.close();
  expect(arrivals.length).toBeGreaterThanOrEqual(6);
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  // Unbuffered: the gaps of the source (250 ms) survive; a buffering proxy would deliver all at once.
  expect(gaps.filter((g) => g >= 150).length).toBeGreaterThanOrEqual(4);
});

/** A session on a clock the test moves, already past the floor after its first grant (so a 401 may refresh at once). */
async function settledSession(url: string) {
  await idp.close();
  idp = await startIdp({ ttlSeconds: 60 });
  const clock = manualClock();
  const s = await startSession(idp, url, { clock });
  clock.advance(MIN_GRANT_INTERVAL_MS);
  return s;
}

test("a stream's headers reach Codex at once when the gateway sends them before its first event", async () => {
  await upstream.close();
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  upstream = await startUpstream({
    handler: async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      await held;
      res.end('data: {"type":"response.completed"}\n\n');
    },
  });
  const s = await startSession(idp, upstream.baseUrl);
  try {
    // fetch resolves with the headers: it would wait for the first event if the proxy held them.
    const res = await s.post('/responses', prompt('think first'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    release();
    expect(await res.text()).toContain('response.completed');
  } finally {
    release();
    await s.close();
  }
});

test('401 from upstream with the current token: one refresh, one retry', async () => {
  const s = await settledSession(upstream.baseUrl);
  const first = s.refresher.current().value;
  revoked.add(first);
  const res = await s.post('/responses', prompt('again'));
  expect(res.status).toBe(200);
  expect(deltas(await res.text())).toBe('upstream says: again');
  await s.close();
  expect(upstream.requests.map((r) => r.status)).toEqual([401, 200]);
  expect(upstream.requests[1].authorization).not.toBe(`Bearer ${first}`);
  expect(s.proxy.stats.retries).toBe(1);
  expect(upstream.requests[1].body).toBe(upstream.requests[0].body);
});

test('concurrent 401s share one refresh; a second 401 passes through', async () => {
  const s = await settledSession(upstream.baseUrl);
  const grantsBefore = idp.grants;
  revoked.add(s.refresher.current().value);
  const results = await Promise.all([1, 2, 3].map((i) => s.post('/responses', prompt(`c${i}`))));
  expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
  expect(idp.grants - grantsBefore).toBe(1);

  await upstream.close();
  upstream = await startUpstream({ validate: async () => false });
  const s2 = await settledSession(upstream.baseUrl);
  const res = await s2.post('/responses', prompt('x'));
  expect(res.status).toBe(401);
  expect((await errorOf(res)).message).toBe('token expired or unknown');
  expect(upstream.requests).toHaveLength(2);
  await s.close();
  await s2.close();
});

test('an IdP outage costs nothing while the token is valid; after expiry 503, then recovery', async () => {
  // The session's clock is the test's: the token lives 59 s by it, while the IdP's 60 s tokens stay valid at the gateway.
  await idp.close();
  idp = await startIdp({ ttlSeconds: 60 });
  const clock = manualClock();
  const s = await startSession(idp, upstream.baseUrl, { clock });
  idp.setDown(true);
  const expiresAt = s.refresher.current().expiresAt;
  const grants = idp.grants;
  clock.advance(0.85 * (expiresAt - clock.now())); // past the refresh point (80%): the refresh fails
  await until(() => s.refresher.stats.failures >= 1);
  const early = [];
  for (let i = 0; i < 5; i++) early.push((await s.post('/responses', prompt('x'))).status);
  expect(early).toEqual([200, 200, 200, 200, 200]);
  expect(idp.grants - grants).toBe(1);
  clock.advance(expiresAt - clock.now() + 1);
  const down = await s.post('/responses', prompt('x'));
  expect(down.status).toBe(503);
  const body = { error: await errorOf(down) };
  expect(body.error.code).toBe('token_unavailable');
  expect(body.error.message).toContain('no valid access token');
  idp.setDown(false);
  const back = await s.post('/responses', prompt('back'));
  expect(back.status).toBe(200);
  await s.close();
});

test('a client hanging up mid-stream aborts the upstream request', async () => {
  let upstreamClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    upstreamClosed = r;
  });
  await upstream.close();
  upstream = await startUpstream({
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"type":"response.created"}\n\n');
      const t = setInterval(() => res.write('data: {"type":"keepalive"}\n\n'), 50);
      res.on('close', () => {
        clearInterval(t);
        upstreamClosed();
      });
    },
  });
  const s = await startSession(idp, upstream.baseUrl);
  const abort = new AbortController();
  const res = await s.post('/responses', prompt('x'), { signal: abort.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  abort.abort();
  await expect(
    within(
      closed.then(() => 'closed'),
      3000,
      'still open',
    ),
  ).resolves.toBe('closed');
  await s.close();
});

test('the gateway down gives a 502 that names it', async () => {
  await upstream.close();
  const s = await startSession(idp, upstream.baseUrl);
  const res = await s.post('/responses', prompt('x'));
  await s.close();
  expect(res.status).toBe(502);
  expect((await errorOf(res)).message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
});

test('without a gateway the mock model answers', async () => {
  const s = await startSession(idp, undefined);
  const res = await s.post('/responses', prompt('hello mock'));
  await s.close();
  expect(res.status).toBe(200);
  expect(deltas(await res.text())).toBe('[codex-wrap mock model] You said: hello mock');
});

test('a request body over 32 MiB that would have to be buffered gets 413 and never reaches upstream', async () => {
  const s = await startSession(idp, upstream.baseUrl, { maxTokens: 100 });
  const res = await fetch(`${s.proxy.baseUrl}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
    body: Buffer.alloc(33 * 1024 * 1024, 'a'),
  });
  expect(res.status).toBe(413);
  expect((await errorOf(res)).code).toBe('request_too_large');
  await s.close();
  expect(upstream.requests).toHaveLength(0);
});

/** A raw request: fetch and URL would resolve the dot segments before they reach the proxy. */
function rawRequest(base: string, target: string, key: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method: 'GET', path: target, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test.each([
  '/v1/../../admin',
  '/v1/%2e%2e/%2E%2E/admin',
  '/v1/x/../../../etc/passwd',
  '/v1/..',
  '/v1/%2e%2e',
  '/v1/a%2f..%2f..%2fadmin',
  '/v1/a%5c..%5cadmin',
  '/v1\\..\\admin',
  '/v1/%zz',
])('%s stays under the base path: 400 before any token is attached, nothing reaches the gateway', async (target) => {
  const s = await startSession(idp, `${upstream.baseUrl}`);
  const grants = idp.grants;
  const r = await rawRequest(s.proxy.baseUrl, target, s.key);
  await s.close();
  expect(r.status).toBe(400);
  expect(r.body).toContain('invalid_path');
  expect(upstream.requests).toHaveLength(0);
  expect(idp.grants).toBe(grants);
});

test('dot segments that stay under the base path are resolved before forwarding', async () => {
  const s = await startSession(idp, upstream.baseUrl);
  const r = await rawRequest(s.proxy.baseUrl, '/v1/x/../models?a=1', s.key);
  await s.close();
  expect(r.status).toBe(200);
  expect(upstream.requests.map((q) => q.path)).toEqual([`${new URL(upstream.baseUrl).pathname}/models?a=1`]);
});

describe('corner cases of clients and gateways (issue #10)', () => {
  test('Expect: 100-continue (curl sends it for bodies over 1 MB): the proxy continues, the body reaches the gateway', async () => {
    const s = await startSession(idp, upstream.baseUrl);
    const { hostname, port } = new URL(s.proxy.baseUrl);
    const body = JSON.stringify({ ...prompt('big'), pad: 'x'.repeat(1_500_000) });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          method: 'POST',
          path: '/v1/echo',
          headers: {
            authorization: `Bearer ${s.key}`,
            'content-type': 'application/json',
            expect: '100-continue',
            'content-length': body.length,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    await s.close();
    expect(status).toBe(200);
    expect(upstream.requests[0].body.length).toBe(body.length);
    expect(upstream.requests[0].headers.expect).toBeUndefined();
  });

  test('a gateway that never starts its answer: 504 that says so, after the headers timeout', async () => {
    const silent = await startUpstream({ handler: () => {} });
    const s = await startSession(idp, silent.baseUrl, { headersTimeoutMs: 300 });
    const res = await s.post('/responses', prompt('x'));
    const error = await errorOf(res);
    await s.close();
    await silent.close();
    expect(res.status).toBe(504);
    expect(error).toMatchObject({ code: 'upstream_timeout' });
    expect(error.message).toMatch(/^codex-wrap proxy: http:\/\/127\.0\.0\.1:\d+ sent no answer within 0 s$/);
  });

  test('a gateway that stalls mid-answer: when Codex gives up on it (its stream timeout), the gateway request goes too', async () => {
    let gatewaySawClose!: () => void;
    const closed = new Promise<void>((resolve) => {
      gatewaySawClose = resolve;
    });
    const stalling = await startUpstream({
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"type":"response.created"}\n\n'); // then nothing, ever
        res.on('close', gatewaySawClose);
      },
    });
    const s = await startSession(idp, stalling.baseUrl);
    const abort = new AbortController();
    const res = await s.post('/responses', prompt('x'), { signal: abort.signal });
    await (res.body as ReadableStream<Uint8Array>).getReader().read();
    abort.abort(); // what Codex does after stream_idle_timeout
    await closed;
    await s.close();
    await stalling.close();
  });

  test('a slow gateway is never cut by the proxy, however long its pauses and the whole answer', async () => {
    const slow = await startUpstream({
      handler: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < 8; i++) {
          res.write(`data: {"n":${i}}\n\n`);
          await new Promise((r) => setTimeout(r, 150));
        }
        res.end();
      },
    });
    const s = await startSession(idp, slow.baseUrl);
    const res = await s.post('/responses', prompt('x'));
    const text = await res.text();
    await s.close();
    await slow.close();
    expect(text.match(/"n":\d/g)).toHaveLength(8);
  });

  test('a WebSocket upgrade is answered at once with 426, so Codex falls back to HTTP without retrying', async () => {
    const s = await startSession(idp, upstream.baseUrl);
    const { hostname, port } = new URL(s.proxy.baseUrl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: hostname,
        port,
        path: '/v1/responses',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => resolve(101));
      req.on('error', reject);
      req.end();
    });
    await s.close();
    expect(status).toBe(426);
    expect(upstream.requests).toHaveLength(0);
  });
});

test('soak, 60 s: 1-s tokens and an IdP that flaps — one grant per floor at most, no failed request while a valid token exists', async () => {
  await idp.close();
  idp = await startIdp({ ttlSeconds: 1 });
  const s = await startSession(idp, upstream.baseUrl);
  let down = false;
  const flapping = setInterval(() => {
    down = !down;
    idp.setDown(down);
  }, 3000);
  const started = Date.now();
  const grantsBefore = idp.grantTimes.length;
  let requests = 0;
  const failedWhileValid: number[] = [];
  try {
    while (Date.now() - started < 60_000) {
      const before = s.refresher.current().value;
      const validBefore = await idp.isValid(before);
      const res = await s.post('/responses', prompt(`n${requests}`));
      await res.arrayBuffer();
      requests += 1;
      const after = s.refresher.current().value;
      if (res.status !== 200 && validBefore && before === after && (await idp.isValid(after))) failedWhileValid.push(res.status);
      await sleep(100);
    }
  } finally {
    clearInterval(flapping);
    await s.close();
  }
  const grants = idp.grantTimes.slice(grantsBefore);
  const gaps = grants.slice(1).map((t, i) => t - grants[i]);
  expect(requests).toBeGreaterThan(200);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_GRANT_INTERVAL_MS - 50);
  expect(grants.length).toBeLessThanOrEqual(60_000 / MIN_GRANT_INTERVAL_MS + 1);
  expect(failedWhileValid).toEqual([]);
}, 90_000);

test('close() ends the connections Codex keeps alive', async () => {
  const s = await startSession(idp, upstream.baseUrl);
  const agent = new http.Agent({ keepAlive: true });
  const ask = () =>
    new Promise<{ status: number; socket: Socket }>((resolve, reject) => {
      const req = http.request(`${s.proxy.baseUrl}/models`, { agent, headers: { authorization: `Bearer ${s.key}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket as Socket }));
      });
      req.on('error', reject);
      req.end();
    });
  // Right after start (the HTTP server is made on the next turn of the event loop) and again on the kept socket.
  const first = await ask();
  const second = await ask();
  expect([first.status, second.status]).toEqual([200, 200]);
  expect(second.socket).toBe(first.socket);
  // A kept-alive connection left open would hold close() until the test's timeout.
  const closed = new Promise((resolve) => first.socket.once('close', resolve));
  await s.close();
  await closed;
  agent.destroy();
});

test('the rehearsal while Codex starts runs through a stand-in: the gateway, the IdP and the stats see nothing of it', async () => {
  const s = await startSession(idp, upstream.baseUrl, { maxTokens: 4096, rehearse: true });
  const grants = idp.grants;
  expect(await within(s.proxy.rehearsed(), 5000, 'timed out')).toBe(true);
  expect(upstream.requests).toHaveLength(0);
  expect(idp.grants).toBe(grants);
  expect(s.proxy.stats).toEqual({ requests: 0, rejected: 0, retries: 0, upstreamErrors: 0 });
  // Codex's own first request then goes where it always goes.
  const res = await s.post('/responses', prompt('after the rehearsal'));
  expect(deltas(await res.text())).toBe('upstream says: after the rehearsal');
  await s.close();
  expect(upstream.requests).toHaveLength(1);
  expect(s.proxy.stats.requests).toBe(1);
});

test("no rehearsal for a proxy that is not a session's, nor for one closed before it would start", async () => {
  const plain = await startSession(idp, upstream.baseUrl);
  expect(await within(plain.proxy.rehearsed(), 5000, 'timed out')).toBe(false);
  await plain.close();
  const closed = await startSession(idp, upstream.baseUrl, { rehearse: true });
  await closed.close();
  expect(await within(closed.proxy.rehearsed(), 5000, 'timed out')).toBe(false);
  expect(upstream.requests).toHaveLength(0);
});

test('the first connection to the gateway is opened while Codex starts, and its first request goes over it', async () => {
  let connections = 0;
  const gateway = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","data":[]}');
    });
  });
  gateway.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const s = await startSession(idp, `http://127.0.0.1:${(gateway.address() as { port: number }).port}/v1`);
  await until(() => connections === 1);
  const before = connections;
  const res = await fetch(`${s.proxy.baseUrl}/models`, { headers: { authorization: `Bearer ${s.key}` } });
  expect(res.status).toBe(200);
  await s.close();
  gateway.closeAllConnections();
  gateway.close();
  expect([before, connections]).toEqual([1, 1]);
});
