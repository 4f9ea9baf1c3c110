/**
 * One request to the gateway with node:http(s): the answer as soon as its headers arrive, its body
 * streamed. A gateway that starts no answer within `headersTimeoutMs` fails the request (a plain
 * timer, cleared by the headers).
 *
 * A started answer has no timer of ours. Codex gives up on a stream that pauses longer than its
 * stream_idle_timeout (300 s) and closes its connection, which ends the gateway's request too
 * (server.ts); our own idle timer on the socket cost 8–11% of the CPU a proxied 10 MB answer costs
 * (Node refreshes it on every read; issue #12, measured side by side), and any timer of ours,
 * cleared, would still wake an idle session once when it would have fired.
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

const timeout = (code: string, message: string) => Object.assign(new Error(message), { code });

/** Why a request ended early: the client (Codex) hung up. */
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
    const { hostname, port, agent, request } = gateway;
    const req = request({ hostname, port, path, method: o.method, headers, agent }, (res) => {
      clearTimeout(noHeaders);
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
