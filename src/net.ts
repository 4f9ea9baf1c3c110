/**
 * The wrapper's own HTTP(S) connections (to the IdP, and from the proxy to the gateway): through
 * HTTPS_PROXY / HTTP_PROXY unless NO_PROXY says otherwise, trusting the system roots plus any
 * extra CA (CA_CERT_FILE, NODE_EXTRA_CA_CERTS) — added to the roots, never in their place.
 */
import type http from 'node:http';
import { createRequire } from 'node:module';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { loadUndici } from './lazy.js';

type Env = Readonly<Record<string, string | undefined>>;

const require = createRequire(import.meta.url);
/**
 * node:http, loaded where a connection is made or served: a command that connects nowhere never
 * loads it, and a session loads it after Codex has started (issue #12).
 */
export const httpModule = (): typeof http => require('node:http');
/**
 * node:https and node:tls, loaded when a connection needs TLS: a session with a plain-HTTP gateway
 * (or the mock model) never pays their start-up cost (issue #12).
 */
export const tlsModules = (): { https: typeof import('node:https'); tls: typeof import('node:tls') } => ({
  https: require('node:https'),
  tls: require('node:tls'),
});

const get = (env: Env, name: string) => env[name.toLowerCase()] ?? env[name.toUpperCase()];

/** Whether NO_PROXY exempts a host (curl's rules: `*`, exact, `.suffix` or `suffix`, optional :port). Pure. */
export function isExempt(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const e = entry.toLowerCase();
      // host, host:port, [v6]:port, or a bare IPv6 address (several colons, no port).
      const m = (e.split(':').length > 2 && !e.startsWith('[') ? [e, e, undefined] : /^\[?(.*?)\]?(?::(\d+))?$/.exec(e)) as RegExpExecArray;
      const name = m[1].replace(/^\*?\.?/, '');
      if (m[2] && m[2] !== port) return false;
      return host === name || host.endsWith(`.${name}`);
    });
}

/** The proxy URL for a request to `target`, or undefined to connect directly. Pure. */
export function proxyFor(target: URL, env: Env): string | undefined {
  if (isExempt(target, get(env, 'no_proxy'))) return undefined;
  const proxy = target.protocol === 'https:' ? get(env, 'https_proxy') : get(env, 'http_proxy');
  return proxy || undefined;
}

export interface Net {
  /** For undici (the IdP's requests through openid-client, `check`). */
  dispatcherFor(target: URL): Promise<Dispatcher>;
  /**
   * For node:http(s) (the proxy's requests to the gateway): its C parser takes a third less CPU per
   * GB than undici's WebAssembly one, and no WebAssembly is compiled while Codex runs (issue #12).
   */
  agentFor(target: URL): http.Agent & Partial<Preconnecting>;
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * `extraCa`: PEM texts to trust on top of the system roots. undici is loaded on first use, not at
 * start-up: a mock session never needs it, and the proxy's first request comes a second later.
 */
export function createNet(env: Env, extraCa: readonly string[] = []): Net {
  // The roots and the extra CAs as one list, made on the first connection that needs it (node:tls
  // and its roots are loaded only then: a session over plain HTTP never loads them).
  let trust: { ca: string[] } | undefined;
  const tls = () => {
    if (extraCa.length > 0) trust ??= { ca: [...tlsModules().tls.rootCertificates, ...extraCa] };
    return trust;
  };
  const agents = new Map<string, Dispatcher>();
  const load = loadUndici;
  const byOrigin = new Map<string, Dispatcher>();
  const dispatcherFor = async (target: URL): Promise<Dispatcher> => {
    const known = byOrigin.get(target.origin);
    if (known) return known;
    const { Agent, ProxyAgent } = await load();
    const uri = proxyFor(target, env) ?? '';
    let agent = agents.get(uri);
    if (!agent) {
      const trusted = tls();
      agent = uri ? new ProxyAgent({ uri, requestTls: trusted, proxyTls: trusted }) : new Agent({ connect: trusted });
      agents.set(uri, agent);
    }
    byOrigin.set(target.origin, agent);
    return agent;
  };
  const nodeAgents = new Map<string, http.Agent & Partial<Preconnecting>>();
  const agentFor = (target: URL): http.Agent & Partial<Preconnecting> => {
    const proxy = proxyFor(target, env);
    const key = `${target.protocol}|${proxy ?? ''}`;
    let agent = nodeAgents.get(key);
    if (!agent) {
      const secure = target.protocol === 'https:' || proxy?.startsWith('https:');
      agent = nodeAgent(target.protocol === 'https:', proxy ? new URL(proxy) : undefined, secure ? tls()?.ca : undefined);
      nodeAgents.set(key, agent);
    }
    return agent;
  };
  const netFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const { fetch: undiciFetch } = await load();
    return undiciFetch(input as never, { ...(init as object), dispatcher: await dispatcherFor(url) } as never);
  }) as unknown as typeof fetch;
  return {
    dispatcherFor,
    agentFor,
    fetch: netFetch,
    close: async () => {
      for (const agent of nodeAgents.values()) agent.destroy();
      await Promise.all([...agents.values()].map((a) => a.close()));
    },
  };
}

/** `host:port` as a CONNECT request names it (an IPv6 address in brackets). Pure. */
export const authority = (host: string, port: number | string) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** A tunnel to host:port through an HTTP(S) proxy (CONNECT), with the proxy URL's credentials if any. */
function tunnel(proxy: URL, host: string, port: number, ca: string[] | undefined): Promise<Socket> {
  const headers: Record<string, string> = { host: authority(host, port) };
  if (proxy.username) {
    const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
  }
  const request = proxy.protocol === 'https:' ? tlsModules().https.request : httpModule().request;
  return new Promise((resolve, reject) => {
    const req = request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: authority(host, port),
      headers,
      agent: false,
      ...(ca ? { ca } : {}),
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(Object.assign(new Error(`the proxy ${proxy.host} refused the tunnel (HTTP ${res.statusCode})`), { code: 'EPROXY' }));
    });
    req.once('error', reject);
    req.end();
  });
}

type ConnectOptions = http.ClientRequestArgs & { servername?: string };
type Created = ((err: Error | null, socket: Duplex) => void) | undefined;

/** A connection opened ahead of the first request is used only this young: servers close idle ones (often after 60 s). */
const SPARE_MAX_AGE_MS = 10_000;

/** An agent that can open its first connection before it is asked for one (a direct agent). */
export interface Preconnecting {
  /** Opens one connection to host:port now (TCP, and TLS for https); the next request there takes it. */
  preconnect(host: string, port: number): void;
}

/**
 * A direct keep-alive agent whose first connection can be opened ahead of time: while Codex starts,
 * the gateway's TCP and TLS handshakes are done, not waited for on Codex's first request (issue #12).
 * createConnection is the agent's documented hook for where its sockets come from. A spare that
 * failed, closed or grew old is not used: the request connects as usual, and says why if it fails.
 */
function directAgent(secure: boolean, options: http.AgentOptions & { ca?: string[] }): http.Agent & Preconnecting {
  const Base = (secure ? tlsModules().https.Agent : httpModule().Agent) as typeof http.Agent;
  const connect = (Base.prototype as unknown as { createConnection: (o: ConnectOptions, cb?: Created) => Duplex }).createConnection;
  type Spare = { socket: Duplex; host: string; port: number; at: number; drop: () => void };
  return new (class extends Base implements Preconnecting {
    spare: Spare | undefined;
    preconnect(host: string, port: number) {
      if (this.spare) return;
      // As the agent would connect for a request: TCP keep-alive after keepAliveMsecs, SNI unless an IP.
      const keepAliveInitialDelay = (this as unknown as { keepAliveMsecs: number }).keepAliveMsecs;
      const servername = secure && isIP(host) === 0 ? host : undefined;
      const socket = connect.call(this, { ...options, keepAlive: true, keepAliveInitialDelay, host, port, servername });
      const spare: Spare = {
        socket,
        host,
        port,
        at: Date.now(),
        drop: () => {
          if (this.spare === spare) this.spare = undefined;
          socket.destroy();
        },
      };
      socket.once('error', spare.drop);
      socket.once('close', spare.drop);
      (socket as Socket).unref?.();
      this.spare = spare;
    }
    createConnection(o: ConnectOptions, created: Created) {
      const spare = this.spare;
      this.spare = undefined;
      if (
        spare &&
        spare.host === o.host &&
        spare.port === Number(o.port) &&
        Date.now() - spare.at < SPARE_MAX_AGE_MS &&
        !spare.socket.destroyed
      ) {
        spare.socket.off('error', spare.drop);
        spare.socket.off('close', spare.drop);
        (spare.socket as Socket).ref?.();
        return spare.socket;
      }
      spare?.socket.destroy();
      return connect.call(this, o, created);
    }
    destroy() {
      this.spare?.socket.destroy();
      this.spare = undefined;
      super.destroy();
    }
  })(options);
}

/** A keep-alive agent for node:http(s): direct, or through a CONNECT tunnel; extra CAs added to the roots. */
function nodeAgent(secure: boolean, proxy: URL | undefined, ca: string[] | undefined): http.Agent & Partial<Preconnecting> {
  const options = { keepAlive: true, ...(ca ? { ca } : {}) };
  if (!proxy) return directAgent(secure, options);
  const through = (o: ConnectOptions) => tunnel(proxy, String(o.host), Number(o.port), ca);
  if (!secure) {
    return new (class extends httpModule().Agent {
      createConnection(o: ConnectOptions, created: Created) {
        through(o).then(
          (socket) => created?.(null, socket),
          (err: Error) => created?.(err, undefined as never),
        );
        return undefined;
      }
    })(options);
  }
  const { https, tls } = tlsModules();
  return new (class extends https.Agent {
    createConnection(o: ConnectOptions, created: Created) {
      through(o).then(
        (socket) => created?.(null, tls.connect({ ...o, path: undefined, socket, servername: o.servername || String(o.host) } as never)),
        (err: Error) => created?.(err, undefined as never),
      );
      return undefined;
    }
  })(options);
}
