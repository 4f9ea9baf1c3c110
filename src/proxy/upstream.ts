/**
 * One request to the gateway with node:http(s): the answer as soon as its headers arrive, its body
 * streamed. A gateway that starts no answer within `headersTimeoutMs`, or stops mid-answer for
 * BODY_IDLE_MS, fails the request, as undici's timeouts did.
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
    /** The request, as soon as it exists: the caller destroys it (clientGone()) if Codex hangs up. */
    onRequest: (req: http.ClientRequest) => void;
  },
): Promise<UpstreamAnswer> {
  const headers = Buffer.isBuffer(o.body) ? { ...o.headers, 'content-length': String(o.body.length) } : o.headers;
  return new Promise((resolve, reject) => {
    let started = false;
    const { hostname, port, agent, request } = gateway;
    const req = request({ hostname, port, path, method: o.method, headers, agent }, (res) => {
      started = true;
      req.setTimeout(BODY_IDLE_MS);
      resolve({ statusCode: res.statusCode ?? 502, headers: res.headers, body: res });
    });
    // The socket's own idle timer: while the gateway thinks, that is the wait for its headers.
    req.setTimeout(o.headersTimeoutMs);
    req.on('timeout', () =>
      req.destroy(
        started
          ? timeout('BODY_TIMEOUT', `no data from the gateway for ${BODY_IDLE_MS / 1000} s`)
          : timeout('HEADERS_TIMEOUT', 'the gateway sent no answer in time'),
      ),
    );
    req.on('error', reject);
    o.onRequest(req);
    if (o.body === undefined) req.end();
    else if (Buffer.isBuffer(o.body)) req.end(o.body);
    else o.body.pipe(req);
  });
}
