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
import { createNet, httpModule } from '../net.js';
import { mockResponseEvents } from './mock-model.js';
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
const LIMIT_MS = 2000;

/** `start`: startProxy (passed in: server.ts runs the rehearsal). True when the stand-in's answer came through. */
export async function rehearse(start: (options: ProxyOptions) => Promise<AuthProxy>, maxTokens: number): Promise<boolean> {
  const http = httpModule();
  const gateway = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of mockResponseEvents('rehearsal', 'rehearsal')) res.write(event);
      res.end();
    });
  });
  const net = createNet({});
  let proxy: AuthProxy | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      gateway.once('error', reject);
      gateway.listen(0, '127.0.0.1', () => resolve());
    });
    gateway.unref();
    const { port } = gateway.address() as { port: number };
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
    gateway.closeAllConnections();
    await net.close().catch(() => {});
  }
}
