/** Wires a real token source, refresher and proxy the way main.ts does, for proxy tests and the bench. */
import { createNet } from '../../src/net.js';
import { startProxy } from '../../src/proxy/server.js';
import { startRefresher } from '../../src/token/refresh.js';
import { createOAuthTokenSource } from '../../src/token/source.js';
import type { Idp } from './idp.js';

export const realClock = {
  now: Date.now,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
};

export async function startSession(idp: Idp, upstream: string | undefined, o: { maxTokens?: number; intervalMs?: number } = {}) {
  const source = createOAuthTokenSource(
    {
      endpoint: new URL(idp.tokenEndpoint),
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      authMethod: 'client_secret_basic',
      scope: 'llm',
    },
    { now: Date.now, fallbackLifetimeMs: 60_000 },
  );
  const refresher = startRefresher({ source, initial: await source.fetch(), intervalMs: o.intervalMs ?? 900_000, clock: realClock });
  const key = 'cwk_test-session-key-0123456789abcdef';
  const net = createNet({});
  const proxy = await startProxy({
    net,
    upstream: upstream ? new URL(upstream) : undefined,
    sessionKey: key,
    tokens: refresher,
    maxTokens: o.maxTokens ?? 0,
  });
  return {
    refresher,
    proxy,
    key,
    post: (path: string, body: unknown, init: RequestInit = {}) =>
      fetch(`${proxy.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...init,
      }),
    async close() {
      refresher.stop();
      await proxy.close();
      await net.close();
    },
  };
}
