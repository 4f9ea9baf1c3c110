/**
 * The proxy's port (src/proxy/port.ts, issue #12): bound on 127.0.0.1 before Codex is spawned,
 * refusing connections until it is taken over, and opened the usual way where Node's TCP binding
 * cannot be had. Real sockets throughout.
 */
import { readdirSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { createNet } from '../../src/net.js';
import { bindLoopback, listenLoopback, type TcpBinding, tcpBinding } from '../../src/proxy/port.js';
import { startProxy } from '../../src/proxy/server.js';

/** 'connected', or the error code of the attempt. */
const reach = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
const openFiles = () => readdirSync('/proc/self/fd').length;
const listening = (server: Server) => new Promise((resolve) => server.once('listening', resolve));
const closed = (server: Server) => new Promise((resolve) => server.close(resolve));

/** A stand-in for Node's TCP binding: bind() answers `bindResult`, getsockname() says `port`; `closes` counts close(). */
function fakeBinding(o: { bindResult: number; port?: number }): TcpBinding & { closes: number } {
  const fake = {
    closes: 0,
    TCP: class {
      bind = () => o.bindResult;
      getsockname = (out: { port?: number }) => {
        out.port = o.port;
        return 0;
      };
      close = () => {
        fake.closes += 1;
      };
    },
    constants: { SERVER: 0 },
  };
  return fake;
}

test('a bound port refuses connections until a server takes it over, then accepts, on 127.0.0.1 only', async () => {
  const bound = bindLoopback();
  if (!bound) throw new Error('Node 20 has the TCP binding: the fast path should run here');
  expect(await reach(bound.port)).toBe('ECONNREFUSED');
  const server = createServer((socket) => socket.end());
  bound.listen(server);
  await listening(server);
  expect(server.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: bound.port });
  expect(await reach(bound.port)).toBe('connected');
  bound.close(); // the server owns it now: nothing happens
  expect(await reach(bound.port)).toBe('connected');
  await closed(server);
  expect(await reach(bound.port)).toBe('ECONNREFUSED');
});

test('a port never taken over is freed by close()', () => {
  const before = openFiles();
  const bound = bindLoopback();
  expect(openFiles()).toBe(before + 1);
  bound?.close();
  expect(openFiles()).toBe(before);
});

test('without the TCP binding — missing, failing, or one that would print a warning — the port is opened the usual way', async () => {
  const refusing = fakeBinding({ bindResult: -98 }); // EADDRINUSE
  expect(bindLoopback(() => undefined)).toBeUndefined();
  expect(
    bindLoopback(() => {
      throw new Error('no such binding');
    }),
  ).toBeUndefined();
  expect(bindLoopback(() => refusing)).toBeUndefined();
  expect(refusing.closes).toBe(1);

  // --pending-deprecation replaces process.binding by a wrapper that warns on use.
  const proc = process as unknown as { binding: (name: string) => unknown };
  const original = proc.binding;
  proc.binding = function deprecated(name: string) {
    throw new Error(`would warn: ${name}`);
  };
  try {
    expect(tcpBinding()).toBeUndefined();
  } finally {
    proc.binding = original;
  }
  expect(tcpBinding()).toBeDefined();

  const server = createServer((socket) => socket.end());
  const port = await listenLoopback(server, () => undefined);
  expect(server.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
  expect(await reach(port)).toBe('connected');
  await closed(server);
});

test('a Node whose net.Server does not take the bound handle: the same port is opened the usual way', async () => {
  const probe = createServer();
  const free = await listenLoopback(probe, () => undefined);
  await closed(probe);
  const foreign = fakeBinding({ bindResult: 0, port: free });
  const bound = bindLoopback(() => foreign);
  if (!bound) throw new Error('bound');
  const server = createServer((socket) => socket.end());
  bound.listen(server); // net.Server refuses a handle that is not its own TCP
  await listening(server);
  expect(foreign.closes).toBe(1);
  expect(server.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: free });
  expect(await reach(free)).toBe('connected');
  await closed(server);
});

test("a session's proxy knows its port before Codex is spawned and accepts from accept() on; one closed before that frees it", async () => {
  const net = createNet({});
  const options = {
    sessionKey: 'cwk_port-test',
    tokens: { token: async () => 'token', forceRefresh: async () => 'token' },
    maxTokens: 0,
    net,
    acceptLater: true,
  };
  const proxy = await startProxy(options);
  const port = Number(new URL(proxy.baseUrl).port);
  expect(await reach(port)).toBe('ECONNREFUSED');
  proxy.accept();
  proxy.accept(); // once is enough; again does nothing
  const answer = await fetch(`${proxy.baseUrl}/responses`, {
    method: 'POST',
    headers: { authorization: 'Bearer cwk_port-test', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', input: 'hi', stream: true }),
  });
  expect(answer.status).toBe(200); // the mock model (no gateway)
  await answer.text();
  expect(proxy.stats.requests).toBe(1);
  await proxy.close();
  expect(await reach(port)).toBe('ECONNREFUSED');

  const before = openFiles();
  const unused = await startProxy(options);
  expect(openFiles()).toBe(before + 1);
  await unused.close();
  expect(openFiles()).toBe(before);

  // Where the port cannot be bound ahead, it accepts as soon as startProxy returns.
  const usual = await startProxy({ ...options, bindPort: () => undefined });
  expect(await reach(Number(new URL(usual.baseUrl).port))).toBe('connected');
  await usual.close();
  await net.close();
});
