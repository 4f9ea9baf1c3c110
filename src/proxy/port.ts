/**
 * A port on 127.0.0.1 for the proxy, chosen by the kernel, without node:net's listen(host): that
 * loads node:dns to look '127.0.0.1' up and node:cluster to ask whether this is a cluster worker,
 * ~1.7 ms of every session's start before Codex could be spawned (issue #12). Instead libuv's TCP
 * handle — the one a net.Server holds — is bound here, and net.Server.listen(handle) takes it over
 * when connections are wanted (for a session: right after Codex is spawned, so node:cluster loads
 * while Codex starts). The handle comes from process.binding('tcp_wrap'), a legacy API that Node
 * keeps for such uses without a warning; where it is missing, throws (Node's permission model
 * denies it) or would warn (--pending-deprecation wraps it), undefined: the caller listens the
 * usual way. A net.Server that does not take the handle listens on the same port the usual way.
 */
import type { AddressInfo, Server } from 'node:net';

/** The part of libuv's TCP handle used here; its methods return 0 or a negative errno. */
interface TcpHandle {
  bind(address: string, port: number): number;
  getsockname(out: { port?: number }): number;
  close(): void;
}
export interface TcpBinding {
  TCP: new (type: number) => TcpHandle;
  constants: { SERVER: number };
}

/** A bound port that does not accept yet: connections to it are refused until listen(). */
export interface LoopbackPort {
  readonly port: number;
  /** `server` accepts on this port from now on (it owns the handle then). */
  listen(server: Server): void;
  /** Frees the port, if listen() was never called. */
  close(): void;
}

/** Node's TCP binding, or undefined where it is missing or would print a deprecation warning. */
export function tcpBinding(): TcpBinding | undefined {
  const binding = (process as { binding?: (name: string) => unknown }).binding;
  // --pending-deprecation (or NODE_PENDING_DEPRECATION=1) replaces it by a wrapper that warns.
  if (typeof binding !== 'function' || binding.name !== 'binding') return undefined;
  try {
    return binding.call(process, 'tcp_wrap') as TcpBinding;
  } catch {
    return undefined;
  }
}

/** Binds a TCP socket to 127.0.0.1 on a port the kernel picks; undefined when that cannot be done this way. */
export function bindLoopback(binding: () => TcpBinding | undefined = tcpBinding): LoopbackPort | undefined {
  let handle: TcpHandle | undefined;
  try {
    const tcp = binding();
    if (!tcp) return undefined;
    handle = new tcp.TCP(tcp.constants.SERVER);
    const out: { port?: number } = {};
    if (handle.bind('127.0.0.1', 0) !== 0 || handle.getsockname(out) !== 0 || !out.port) throw new Error('not bound');
    const bound = handle;
    const port = out.port;
    let owned = false;
    return {
      port,
      listen(server) {
        owned = true;
        try {
          server.listen({ _handle: bound } as never);
        } catch {
          // A Node whose net.Server no longer takes such a handle: the same port, the usual way.
          bound.close();
          server.listen(port, '127.0.0.1');
        }
      },
      close() {
        if (!owned) bound.close();
      },
    };
  } catch {
    handle?.close();
    return undefined;
  }
}

/** Makes `server` listen on 127.0.0.1 on a port the kernel picks, and returns the port. */
export async function listenLoopback(server: Server, bind: () => LoopbackPort | undefined = bindLoopback): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    const bound = bind();
    if (bound) bound.listen(server);
    else server.listen(0, '127.0.0.1');
  });
  return (server.address() as AddressInfo).port;
}
