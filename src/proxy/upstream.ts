/**
 * One request to the gateway with node:http(s): the answer as soon as its headers arrive, its body
 * streamed. A gateway that starts no answer within `headersTimeoutMs`, or stops mid-answer for
 * BODY_IDLE_MS, fails the request, as undici's timeouts did.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/** Between two chunks of a started answer: Codex's own stream_idle_timeout is the same 300 s. */
export const BODY_IDLE_MS = 300_000;

const timeout = (code: string, message: string) => Object.assign(new Error(message), { code });

export function sendUpstream(
  url: URL,
  o: {
    method: string;
    headers: Record<string, string | string[]>;
    body?: Buffer | Readable;
    signal: AbortSignal;
    agent: http.Agent;
    headersTimeoutMs: number;
  },
): Promise<UpstreamAnswer> {
  const request = url.protocol === 'https:' ? https.request : http.request;
  const headers = Buffer.isBuffer(o.body) ? { ...o.headers, 'content-length': String(o.body.length) } : o.headers;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method, headers, agent: o.agent, signal: o.signal }, (res) => {
      clearTimeout(timer);
      req.setTimeout(BODY_IDLE_MS, () => req.destroy(timeout('BODY_TIMEOUT', `no data from the gateway for ${BODY_IDLE_MS / 1000} s`)));
      resolve({ statusCode: res.statusCode ?? 502, headers: res.headers, body: res });
    });
    const timer = setTimeout(() => req.destroy(timeout('HEADERS_TIMEOUT', 'the gateway sent no answer in time')), o.headersTimeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (o.body === undefined) req.end();
    else if (Buffer.isBuffer(o.body)) req.end(o.body);
    else o.body.pipe(req);
  });
}
