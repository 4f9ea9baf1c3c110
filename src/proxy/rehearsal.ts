/**
 * A rehearsal of the request path while Codex starts (issue #12). The first request a Node process
 * serves runs cold — the HTTP parser, streams, the agent and the proxy's own steps execute for the
 * first time: some 20 ms where a warm request takes half a millisecond — and it is a request the
 * user waits on. So, while Codex takes its few hundred milliseconds to start, the session sends one
 * Codex-shaped request through a throwaway copy of the proxy to a stand-in gateway of its own, all
 * on 127.0.0.1 and in this process: the same code, made warm. Nothing of it reaches the real
 * gateway, the IdP, the session's stats or its log, and a failure changes nothing.
 */
import type { IncomingMessage } from 'node:http';
import { createServer as createListener, type Socket } from 'node:net';
import { createNet, httpModule } from '../net.js';
import { mockResponseEvents } from './mock-model.js';
import { listenLoopback } from './port.js';
import type { AuthProxy, ProxyOptions } from './server.js';

/** About the size of Codex's first request (its instructions and tools), so the same reads run. */
const BODY = JSON.stringify({
  model: 'rehearsal',
  instructions: 'x'.repeat(24 * 1024),
  input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'rehearsal' }] }],
  tools: Array.from({ length: 8 }, (_, i) => ({ type: 'function', name: `tool${i}`, parameters: { type: 'object', properties: {} } })),
  stream: true,
});

/** A rehearsal that takes longer than this is given up. */
const LIMIT_MS = 1000;

/** `start`: startProxy (passed in: server.ts runs the rehearsal). True when the stand-in's answer came through. */
export async function rehearse(start: (options: ProxyOptions) => Promise<AuthProxy>, maxTokens: number): Promise<boolean> {
  const http = httpModule();
  const gateway = createListener(standIn);
  const net = createNet({});
  let proxy: AuthProxy | undefined;
  try {
    const port = await listenLoopback(gateway);
    gateway.unref();
    const key = 'rehearsal';
    proxy = await start({
      upstream: new URL(`http://127.0.0.1:${port}/v1`),
      sessionKey: key,
      tokens: { token: async () => 'rehearsal', forceRefresh: async () => 'rehearsal' },
      maxTokens,
      net,
    });
    const url = new URL(`${proxy.baseUrl}/responses`);
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          hostname: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        },
        (res: IncomingMessage) => {
          res.resume();
          res.once('end', resolve);
          res.once('error', reject);
        },
      );
      req.once('error', reject);
      // Some 30 ms normally; the limit's timer, cleared, still wakes the process once when it would
      // have expired: early, while Codex starts.
      req.setTimeout(LIMIT_MS, () => req.destroy());
      req.end(BODY);
    });
    return true;
  } catch {
    // A rehearsal that fails changes nothing: the real request runs as it would have.
    return false;
  } finally {
    await proxy?.close().catch(() => {});
    gateway.close();
    await net.close().catch(() => {});
  }
}

/** A streamed answer, chunk by chunk, as gateways send one. */
const ANSWER = [
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n',
  ...mockResponseEvents('rehearsal', 'rehearsal').map((e) => `${Buffer.byteLength(e).toString(16)}\r\n${e}\r\n`),
  '0\r\n\r\n',
].join('');

/**
 * The stand-in gateway: plain node:net, answering once the request is in and closing. An HTTP
 * server would leave timers behind (its keep-alive and connection checks), whose expiry wakes an
 * idle session once more even when cleared (the budget of issue #12 is no wake-up at all).
 */
function standIn(socket: Socket): void {
  let seen = '';
  socket.setEncoding('latin1');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    seen += chunk;
    const end = seen.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = /\r\ncontent-length: *(\d+)/i.exec(seen.slice(0, end));
    const complete = length ? seen.length - end - 4 >= Number(length[1]) : seen.endsWith('\r\n0\r\n\r\n');
    if (complete) socket.end(ANSWER);
  });
}
