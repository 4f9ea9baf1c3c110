/**
 * The loopback auth proxy: Codex holds only a per-session key; every request it makes is sent on to
 * the gateway with the current IdP token, so refreshed tokens reach a running Codex.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { loadUndici } from '../lazy.js';
import type { Net } from '../net.js';
import type { Refresher } from '../token/refresh.js';
import { BASE_PATH, confinedPath, forwardHeaders, isAuthorized, upstreamUrl, withMaxTokens } from './forward.js';
import { lastUserText, mockAnswerText, mockResponseEvents } from './mock-model.js';

const MAX_BUFFERED_BODY = 32 * 1024 * 1024;

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
  close(): Promise<void>;
}

/** An error body in the OpenAI shape, which Codex shows to the user. */
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readAll(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Drain the rest unread, so that the client still gets the answer (413).
        stream.off('data', onData);
        stream.resume();
        chunks.length = 0;
        reject(new Error(`request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    };
    stream.on('data', onData);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startProxy(o: {
  /** The gateway; absent in MOCK_MODE without one, when the mock model answers. */
  upstream?: URL;
  sessionKey: string;
  tokens: Pick<Refresher, 'token' | 'forceRefresh'>;
  maxTokens: number;
  /** How to reach the gateway (HTTPS_PROXY, extra CAs); net.ts makes it. */
  net: Pick<Net, 'dispatcherFor'>;
  log?: (message: string) => void;
  /** Removes secrets from text that goes back to Codex (an IdP's error could echo one). */
  redact?: (text: string) => string;
}): Promise<AuthProxy> {
  const stats: ProxyStats = { requests: 0, rejected: 0, retries: 0, upstreamErrors: 0 };
  const log = o.log ?? (() => {});
  const redact = o.redact ?? ((t: string) => t);
  let mockCount = 0;

  const send = async (url: URL, req: IncomingMessage, token: string, body: Buffer | Readable, signal: AbortSignal) => {
    const [{ request }, dispatcher] = await Promise.all([loadUndici(), o.net.dispatcherFor(url)]);
    const buffered = Buffer.isBuffer(body);
    const headers = forwardHeaders(req.headers, buffered ? ['authorization', 'content-length'] : ['authorization']);
    headers.authorization = `Bearer ${token}`;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    return request(url, {
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: hasBody ? body : undefined,
      signal,
      dispatcher,
    });
  };

  const mock = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === `${BASE_PATH}/models`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [] }));
      return;
    }
    if (req.method !== 'POST' || path !== `${BASE_PATH}/responses`) {
      sendError(res, 404, 'not_found', `the codex-wrap mock model answers POST ${BASE_PATH}/responses only`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      sendError(res, 400, 'invalid_json', 'the request body is not JSON');
      return;
    }
    mockCount += 1;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const e of mockResponseEvents(mockAnswerText(lastUserText(parsed)), `mock${mockCount}`)) res.write(e);
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!isAuthorized(req.headers.authorization, o.sessionKey)) {
      stats.rejected += 1;
      req.resume();
      sendError(res, 401, 'invalid_api_key', 'codex-wrap proxy: missing or wrong session key; start Codex through codex-wrap');
      return;
    }
    const path = confinedPath(req.url ?? '/');
    if (path === undefined) {
      req.resume();
      sendError(res, 400, 'invalid_path', `codex-wrap proxy serves ${BASE_PATH}/… only, without dot segments or encoded slashes`);
      return;
    }
    stats.requests += 1;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    const isResponses = req.method === 'POST' && path.split('?')[0].endsWith('/responses');
    if (!o.upstream) {
      mock(req, res, await readAll(req, MAX_BUFFERED_BODY));
      return;
    }
    let token: string;
    try {
      token = await o.tokens.token();
    } catch (err) {
      stats.upstreamErrors += 1;
      req.resume();
      sendError(
        res,
        503,
        'token_unavailable',
        redact(
          `codex-wrap: no valid access token (${err instanceof Error ? err.message : String(err)}); it keeps retrying the IdP — check the IdP and the OAUTH_* settings`,
        ),
      );
      return;
    }
    // The body is buffered only where it is rewritten; otherwise streamed and recorded for a retry.
    let body: Buffer | undefined =
      isResponses && o.maxTokens > 0 ? withMaxTokens(await readAll(req, MAX_BUFFERED_BODY), o.maxTokens) : undefined;
    // Recording and the pipe start in the same tick, so neither misses a chunk.
    const streamed = body ? undefined : req.pipe(new PassThrough());
    const recorded = body ? undefined : readAll(req, MAX_BUFFERED_BODY);
    recorded?.catch(() => {});

    const url = upstreamUrl(o.upstream, path);
    let up = await send(url, req, token, body ?? (streamed as Readable), abort.signal);
    if (up.statusCode === 401) {
      // client-go's rule: refresh only if the rejected token is still the current one; retry once.
      const rejectedBody = await readAll(up.body, MAX_BUFFERED_BODY);
      let fresh: string | undefined;
      try {
        fresh = await o.tokens.forceRefresh(token);
      } catch (err) {
        log(`refresh after a 401 failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (fresh === undefined) {
        res.writeHead(401, forwardHeaders(up.headers));
        res.end(rejectedBody);
        return;
      }
      stats.retries += 1;
      body ??= await (recorded as Promise<Buffer>);
      up = await send(url, req, fresh, body, abort.signal);
    }
    if (up.statusCode >= 500) stats.upstreamErrors += 1;
    res.writeHead(up.statusCode, forwardHeaders(up.headers));
    res.flushHeaders();
    up.body.on('error', () => res.destroy());
    up.body.pipe(res);
  };

  const server = http.createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: Error) => {
      if (abortedByClient(err)) return;
      if (err.message.startsWith('request body larger')) {
        sendError(res, 413, 'request_too_large', `codex-wrap proxy: ${err.message}`);
        return;
      }
      stats.upstreamErrors += 1;
      const target = o.upstream ? o.upstream.origin : 'the mock model';
      sendError(
        res,
        502,
        'upstream_unreachable',
        redact(`codex-wrap proxy: cannot reach ${target}: ${(err as NodeJS.ErrnoException).code ?? err.message}`),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${BASE_PATH}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function abortedByClient(err: Error): boolean {
  return err.name === 'AbortError' || ['ABORT_ERR', 'UND_ERR_ABORTED'].includes(String((err as NodeJS.ErrnoException).code));
}
