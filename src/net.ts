/**
 * The wrapper's own HTTP(S) connections (to the IdP, and from the proxy to the gateway): through
 * HTTPS_PROXY / HTTP_PROXY unless NO_PROXY says otherwise, trusting the system roots plus any
 * extra CA (CA_CERT_FILE, NODE_EXTRA_CA_CERTS) — added to the roots, never in their place.
 */
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { loadUndici } from './lazy.js';

type Env = Readonly<Record<string, string | undefined>>;

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
  dispatcherFor(target: URL): Promise<Dispatcher>;
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * `extraCa`: PEM texts to trust on top of the system roots. undici is loaded on first use, not at
 * start-up: a mock session never needs it, and the proxy's first request comes a second later.
 */
export function createNet(env: Env, extraCa: readonly string[] = []): Net {
  const tls = extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : undefined;
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
      agent = uri ? new ProxyAgent({ uri, requestTls: tls, proxyTls: tls }) : new Agent({ connect: tls });
      agents.set(uri, agent);
    }
    byOrigin.set(target.origin, agent);
    return agent;
  };
  const netFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const { fetch: undiciFetch } = await load();
    return undiciFetch(input as never, { ...(init as object), dispatcher: await dispatcherFor(url) } as never);
  }) as unknown as typeof fetch;
  return {
    dispatcherFor,
    fetch: netFetch,
    close: async () => {
      await Promise.all([...agents.values()].map((a) => a.close()));
    },
  };
}
