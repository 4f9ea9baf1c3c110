/**
 * One request to the gateway with node:http(s): the answer as soon as its headers arrive, its body
 * streamed. A gateway that starts no answer within `headersTimeoutMs`, or stops mid-answer for
 * `bodyIdleMs` (BODY_IDLE_MS), fails the request, as undici's timeouts did.
 *
 * Neither is the socket's idle timer (`setTimeout` on the request): Node refreshes that timer on
 * every read, some 8–11% of the CPU a proxied 10 MB answer costs (issue #12, measured side by side).
 * The headers get a plain timer; the body a check every few seconds of whether the socket read
 * anything since the last one (its byte count: nothing per chunk), only while the answer runs.
 */
import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { httpModule, type Preconnecting, tlsModules } from '../net.js';

export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/** Between two chunks of a started answer: Codex's own stream_idle_timeout is the same 300 s. */
export const BODY_IDLE_MS = 300_000;
/** How often a running answer is checked for progress: a stall is found 300–310 s after its last byte. */
const BODY_CHECK_MS = 10_000;

/**
 * Calls `stalled` once the socket has read nothing for `idleMs` (to within a check), checking every
 * `checkMs`; the returned function stops it. Pure but for the timer it is given.
 */
export function watchProgress(o: {
  bytesRead: () => number;
  idleMs: number;
  checkMs: number;
  stalled: () => void;
  every: (fn: () => void, ms: number) => () => void;
}): () => void {
  let last = o.bytesRead();
  let quietMs = 0;
  const stop = o.every(() => {
    const now = o.bytesRead();
    if (now !== last) {
      last = now;
      quietMs = 0;
      return;
    }
    quietMs += o.checkMs;
    if (quietMs >= o.idleMs) {
      stop();
      o.stalled();
    }
  }, o.checkMs);
  return stop;
}

const every = (fn: () => void, ms: number) => {
  const timer = setInterval(fn, ms).unref();
  return () => clearInterval(timer);
};

const timeout = (code: string, message: string) => Object.assign(new Error(message), { code });

/** Why a request ended early: the client (Codex) hung up, or the gateway was too slow. */
export const clientGone = () => Object.assign(new Error('the client closed the connection'), { name: 'AbortError', code: 'ABORT_ERR' });

/** Where the gateway is, as node:http(s) takes it: worked out once per session. */
export interface Gateway {
  hostname: string;
  port: number;
  /** Direct agents can open the first connection ahead (net.ts); tunnelling ones cannot. */
  agent: http.Agent & Partial<Preconnecting>;
  request: typeof http.request;
}

export function gatewayOf(base: URL, agent: Gateway['agent']): Gateway {
  const secure = base.protocol === 'https:';
  const request = secure ? tlsModules().https.request : httpModule().request;
  return { hostname: base.hostname.replace(/^\[|\]$/g, ''), port: Number(base.port) || (secure ? 443 : 80), agent, request };
}

/** `path`: the path and query at the gateway. */
export function sendUpstream(
  gateway: Gateway,
  path: string,
  o: {
    method: string;
    headers: Record<string, string | string[]>;
    body?: Buffer | Readable;
    headersTimeoutMs: number;
    /** The longest pause between two chunks of the answer; BODY_IDLE_MS unless a test says otherwise. */
    bodyIdleMs?: number;
    /** The request, as soon as it exists: the caller destroys it (clientGone()) if Codex hangs up. */
    onRequest: (req: http.ClientRequest) => void;
  },
): Promise<UpstreamAnswer> {
  const headers = Buffer.isBuffer(o.body) ? { ...o.headers, 'content-length': String(o.body.length) } : o.headers;
  return new Promise((resolve, reject) => {
    const { hostname, port, agent, request } = gateway;
    const idleMs = o.bodyIdleMs ?? BODY_IDLE_MS;
    const req = request({ hostname, port, path, method: o.method, headers, agent }, (res) => {
      clearTimeout(noHeaders);
      const socket = res.socket;
      const stop = watchProgress({
        bytesRead: () => socket.bytesRead,
        idleMs,
        checkMs: Math.min(BODY_CHECK_MS, idleMs / 4),
        stalled: () => req.destroy(timeout('BODY_TIMEOUT', `no data from the gateway for ${Math.round(idleMs / 1000)} s`)),
        every,
      });
      res.once('end', stop);
      res.once('close', stop);
      resolve({ statusCode: res.statusCode ?? 502, headers: res.headers, body: res });
    });
    const noHeaders = setTimeout(() => req.destroy(timeout('HEADERS_TIMEOUT', 'the gateway sent no answer in time')), o.headersTimeoutMs);
    noHeaders.unref();
    req.once('close', () => clearTimeout(noHeaders));
    req.on('error', reject);
    o.onRequest(req);
    if (o.body === undefined) req.end();
    else if (Buffer.isBuffer(o.body)) req.end(o.body);
    else o.body.pipe(req);
  });
}
