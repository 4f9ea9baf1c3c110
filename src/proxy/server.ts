/**
 * The loopback auth proxy: Codex holds only a per-session key; every request it makes is sent on to
 * the gateway with the current IdP token, so refreshed tokens reach a running Codex. A request goes
 * through named steps: authorize → confine the path → token → body → send → retry after 401 → pipe.
 */
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createListener, type Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { httpModule, type Net } from '../net.js';
import type { Refresher } from '../token/refresh.js';
import { BASE_PATH, confinedPath, forwardHeaders, keyCheck, upstreamPath, withMaxTokens } from './forward.js';
import { BodyTooLarge, readAll, sendError } from './http.js';
import { serveMock } from './mock-model.js';
import { bindLoopback, type LoopbackPort, listenLoopback } from './port.js';
import { rehearse } from './rehearsal.js';
import { clientGone, type Gateway, gatewayOf, sendUpstream, type UpstreamAnswer } from './upstream.js';

export interface ProxyStats {
  requests: number;
  rejected: number;
  retries: number;
  upstreamErrors: number;
}

export interface AuthProxy {
  /** What Codex uses as its provider's base_url. */
  baseUrl: string;
  stats: ProxyStats;
  /** Once the rehearsal (rehearsal.ts) is over: whether it ran through (false without one). */
  rehearsed(): Promise<boolean>;
  /** A proxy started with `acceptLater` accepts connections from now on; otherwise nothing to do. */
  accept(): void;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** The gateway; absent in MOCK_MODE without one, when the mock model answers. */
  upstream?: URL;
  sessionKey: string;
  tokens: Pick<Refresher, 'token' | 'forceRefresh'>;
  maxTokens: number;
  /** How to reach the gateway (HTTPS_PROXY, extra CAs); net.ts makes it. */
  net: Pick<Net, 'agentFor'>;
  log?: (message: string) => void;
  /** Removes secrets from text that goes back to Codex (an IdP's error could echo one). */
  redact?: (text: string) => string;
  /** How long the gateway may take to start its answer (UPSTREAM_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs?: number;
  /** A request was answered: the stats changed. */
  onAnswered?: () => void;
  /** Rehearse the request path while Codex starts (rehearsal.ts): for a session's proxy. */
  rehearse?: boolean;
  /**
   * The port is bound at once but accepts connections only from accept() on: a session spawns
   * Codex in between, and what net.Server's listen loads (node:cluster) is loaded while Codex
   * starts (port.ts). Without it, startProxy returns once the port accepts.
   */
  acceptLater?: boolean;
  /** How the port is bound (port.ts; tests pass another). */
  bindPort?: () => LoopbackPort | undefined;
}

/**
 * How long the gateway may take before its answer starts: long enough for a model that thinks for
 * minutes before it streams (gateways send headers first, but some buffer), short of forever.
 * A started answer may pause as long as Codex waits (its stream_idle_timeout; see upstream.ts).
 */
export const UPSTREAM_HEADERS_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * When the warm-up starts, after the port opens (Codex is spawned right after): a Codex that ends at
 * once (`/bin/true`) is over before it, and its end is not held up by work for requests that never
 * come (6–9 ms). Its 7–13 ms of CPU compete with Codex's own start on a 2-core machine whenever
 * they run; at 10 ms they cost Codex less than at 50, when Codex runs its subprocesses on both cores
 * (issue #12: `exec` 4–14 ms shorter in three runs of 60 pairs, the start-up with `/bin/true`
 * unchanged). The price: a Codex that fails on its arguments (~14 ms) now meets the warm-up's first,
 * synchronous steps, and its session ends ~7 ms later (67 → 74 ms, 40 pairs).
 */
const WARM_UP_MS = 10;

/** What is sent upstream first, and how to get the same bytes again for a retry. */
interface Body {
  first: Buffer | Readable;
  again(): Promise<Buffer>;
}

const EMPTY = Buffer.alloc(0);
const NO_BODY: Body = { first: EMPTY, again: async () => EMPTY };
const hasBody = (req: IncomingMessage) => req.method !== 'GET' && req.method !== 'HEAD';

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The error code, or the message where it says more (a proxy's refusal names the proxy and its status). */
const describeReach = (err: Error) => {
  const code = (err as NodeJS.ErrnoException).code;
  return code && code !== 'EPROXY' ? code : err.message;
};

function abortedByClient(err: Error): boolean {
  return err.name === 'AbortError' || ['ABORT_ERR', 'UND_ERR_ABORTED'].includes(String((err as NodeJS.ErrnoException).code));
}

export async function startProxy(options: ProxyOptions): Promise<AuthProxy> {
  const stats: ProxyStats = { requests: 0, rejected: 0, retries: 0, upstreamErrors: 0 };
  const authorized = keyCheck(options.sessionKey);
  const log = options.log ?? (() => {});
  const redact = options.redact ?? ((text: string) => text);
  let mockAnswers = 0;

  const authorize = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (authorized(req.headers.authorization)) return true;
    stats.rejected += 1;
    req.resume();
    sendError(res, 401, 'invalid_api_key', 'codex-wrap proxy: missing or wrong session key; start Codex through codex-wrap');
    return false;
  };

  const route = (req: IncomingMessage, res: ServerResponse): string | undefined => {
    const path = confinedPath(req.url ?? '/');
    if (path !== undefined) return path;
    req.resume();
    sendError(res, 400, 'invalid_path', `codex-wrap proxy serves ${BASE_PATH}/… only, without dot segments or encoded slashes`);
    return undefined;
  };

  const currentToken = async (req: IncomingMessage, res: ServerResponse): Promise<string | undefined> => {
    try {
      return await options.tokens.token();
    } catch (err) {
      stats.upstreamErrors += 1;
      req.resume();
      const message = `codex-wrap: no valid access token (${describe(err)}); it keeps retrying the IdP — check the IdP and the OAUTH_* settings`;
      sendError(res, 503, 'token_unavailable', redact(message));
      return undefined;
    }
  };

  // Buffered only where it is rewritten (MAX_TOKENS); otherwise streamed, and recorded for a retry.
  // A GET or HEAD sends none: nothing is piped or recorded for it (what a client sent is drained).
  const requestBody = async (req: IncomingMessage, path: string): Promise<Body> => {
    if (!hasBody(req)) {
      req.resume();
      return NO_BODY;
    }
    const isResponses = req.method === 'POST' && path.split('?')[0].endsWith('/responses');
    if (isResponses && options.maxTokens > 0) {
      const body = withMaxTokens(await readAll(req), options.maxTokens);
      return { first: body, again: async () => body };
    }
    // Recording and the pipe start in the same tick, so neither misses a chunk.
    const streamed = req.pipe(new PassThrough());
    const recorded = readAll(req);
    recorded.catch(() => {});
    return { first: streamed, again: () => recorded };
  };

  let gateway: Gateway | undefined;
  const upstreamGateway = (upstream: URL) => {
    gateway ??= gatewayOf(upstream, options.net.agentFor(upstream));
    return gateway;
  };
  const send = (path: string, req: IncomingMessage, token: string, body: Buffer | Readable, onRequest: (r: http.ClientRequest) => void) => {
    const headers = forwardHeaders(req.headers, Buffer.isBuffer(body) ? ['authorization', 'content-length'] : ['authorization']);
    headers.authorization = `Bearer ${token}`;
    return sendUpstream(upstreamGateway(options.upstream as URL), path, {
      method: req.method ?? 'GET',
      headers,
      body: hasBody(req) ? body : undefined,
      onRequest,
      headersTimeoutMs: options.headersTimeoutMs ?? UPSTREAM_HEADERS_TIMEOUT_MS,
    });
  };
  type Answer = UpstreamAnswer;

  /** client-go's rule: refresh only if the rejected token is still the current one; retry once. Undefined: answered. */
  const retryAfter401 = async (rejected: Answer, token: string, resend: (token: string) => Promise<Answer>, res: ServerResponse) => {
    const rejectedBody = await readAll(rejected.body);
    let fresh: string | undefined;
    try {
      fresh = await options.tokens.forceRefresh(token);
    } catch (err) {
      log(`refresh after a 401 failed: ${describe(err)}`);
    }
    if (fresh === undefined) {
      res.writeHead(401, forwardHeaders(rejected.headers));
      res.end(rejectedBody);
      return undefined;
    }
    stats.retries += 1;
    return resend(fresh);
  };

  const pipe = (answer: Answer, res: ServerResponse) => {
    if (answer.statusCode >= 500) stats.upstreamErrors += 1;
    res.writeHead(answer.statusCode, forwardHeaders(answer.headers));
    // A stream whose first event is not here yet (a gateway that sends its headers, then thinks) has
    // its headers sent at once. Otherwise they go with the first bytes of the body, in one write: as
    // a separate write they cost ~5% more CPU per GB proxied (issue #12, measured side by side).
    if (answer.body.readableLength === 0 && String(answer.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      res.flushHeaders();
    }
    answer.body.on('error', () => res.destroy());
    answer.body.pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!authorize(req, res)) return;
    const path = route(req, res);
    if (path === undefined) return;
    stats.requests += 1;
    // Codex hung up before the answer was complete: the request to the gateway goes too.
    let upstream: http.ClientRequest | undefined;
    let gone = false;
    const onRequest = (r: http.ClientRequest) => {
      upstream = r;
      if (gone) r.destroy(clientGone());
    };
    res.on('close', () => {
      if (!res.writableFinished) {
        gone = true;
        upstream?.destroy(clientGone());
      }
      options.onAnswered?.();
    });
    if (!options.upstream) {
      mockAnswers += 1;
      serveMock(req, res, path, await readAll(req), `mock${mockAnswers}`);
      return;
    }
    const token = await currentToken(req, res);
    if (token === undefined) return;
    const body = await requestBody(req, path);
    const target = upstreamPath(options.upstream, path);
    let answer: Answer | undefined = await send(target, req, token, body.first, onRequest);
    if (answer.statusCode === 401) {
      answer = await retryAfter401(answer, token, async (fresh) => send(target, req, fresh, await body.again(), onRequest), res);
      if (!answer) return;
    }
    pipe(answer, res);
  };

  const fail = (res: ServerResponse, err: Error) => {
    if (abortedByClient(err)) return;
    if (err instanceof BodyTooLarge) {
      sendError(res, 413, 'request_too_large', `codex-wrap proxy: ${err.message}`);
      return;
    }
    stats.upstreamErrors += 1;
    const target = options.upstream ? options.upstream.origin : 'the mock model';
    if ((err as NodeJS.ErrnoException).code === 'HEADERS_TIMEOUT') {
      const seconds = Math.round((options.headersTimeoutMs ?? UPSTREAM_HEADERS_TIMEOUT_MS) / 1000);
      sendError(res, 504, 'upstream_timeout', `codex-wrap proxy: ${target} sent no answer within ${seconds} s`);
      return;
    }
    sendError(res, 502, 'upstream_unreachable', redact(`codex-wrap proxy: cannot reach ${target}: ${describeReach(err)}`));
  };

  let server: http.Server | undefined;
  const httpServer = (): http.Server => {
    if (server) return server;
    server = httpModule().createServer((req, res) => {
      handle(req, res).catch((err: Error) => fail(res, err));
    });
    // Codex tries a WebSocket first when a provider sets supports_websockets; the proxy speaks HTTP.
    // 426 makes Codex 0.171 fall back to HTTP after one attempt (measured: 1.2 s instead of 7.1 s for
    // five dropped upgrades; 404 and 501 are retried like a dropped connection).
    server.on('upgrade', (_req, socket) => {
      const body = 'codex-wrap proxy: no WebSocket here; use HTTP';
      socket.end(
        `HTTP/1.1 426 Upgrade Required\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    return server;
  };

  // The port is bound before Codex is spawned (port.ts); the HTTP server that serves
  // its connections (node:http: some 3 ms to load) is made while Codex starts —
  // WARM_UP_MS after, long before its first request — or by the first connection. Then the first
  // connection to the gateway is opened (net.ts, directAgent), and a session's proxy rehearses a
  // request (rehearsal.ts): Codex's first request neither waits for handshakes nor runs cold (issue #12).
  const sockets = new Set<Socket>();
  const listener = createListener({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    httpServer().emit('connection', socket);
  });
  const bindPort = options.bindPort ?? bindLoopback;
  let waiting = options.acceptLater ? bindPort() : undefined;
  let port: number;
  if (waiting) {
    port = waiting.port;
    listener.on('error', (err) => log(`cannot accept connections on 127.0.0.1:${port}: ${err.message}`));
  } else {
    port = await listenLoopback(listener, bindPort);
  }
  let rehearsalOver: (ran: boolean) => void = () => {};
  const rehearsed = new Promise<boolean>((resolve) => {
    rehearsalOver = resolve;
  });
  const warmUp = setTimeout(() => {
    httpServer();
    if (!options.upstream) return rehearsalOver(false);
    const gateway = upstreamGateway(options.upstream);
    gateway.agent.preconnect?.(gateway.hostname, gateway.port);
    if (options.rehearse) rehearse(startProxy, options.maxTokens).then(rehearsalOver);
    else rehearsalOver(false);
  }, WARM_UP_MS).unref();
  return {
    baseUrl: `http://127.0.0.1:${port}${BASE_PATH}`,
    stats,
    rehearsed: () => rehearsed,
    accept() {
      waiting?.listen(listener);
      waiting = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(warmUp);
        rehearsalOver(false);
        waiting?.close();
        waiting = undefined;
        listener.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
