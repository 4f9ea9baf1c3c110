/** `codex-wrap [codex args]`: token → config.toml → proxy → Codex, until Codex exits. */

import { childEnv, codexArgs } from '../codex/child.js';
import { ensureCodexHome, type Provider, providerTable, writeCodexConfig } from '../codex/config.js';
import { findCodex, runCodex } from '../codex/spawn.js';
import { type Context, tokenSource } from '../context.js';
import type { Logger } from '../log.js';
import { newSessionKey } from '../proxy/forward.js';
import { type AuthProxy, startProxy } from '../proxy/server.js';
import { sessionsDir } from '../settings/paths.js';
import type { Settings } from '../settings/resolve.js';
import { type Refresher, startRefresher } from '../token/refresh.js';
import type { Token } from '../token/source.js';
import { startStateFile } from './state.js';

/**
 * The provider to pass on Codex's command line: config.toml keeps the real gateway, so only a mock
 * session without one needs it (its base_url is the proxy's, set by codexArgs). Pure.
 */
export function argvProvider(s: Settings): Provider | undefined {
  return s.baseUrl ? undefined : providerTable('http://127.0.0.1/v1');
}

export async function configure(s: Settings, log: Logger, uid?: number): Promise<Provider | undefined> {
  if (!s.baseUrl) {
    await ensureCodexHome(s.codexHome);
    log.verbose('config.toml: left alone (mock model; the provider is passed with -c)');
    return argvProvider(s);
  }
  const outcome = await writeCodexConfig(s.codexHome, s.model, providerTable(s.baseUrl.href), uid);
  log.verbose(`config.toml: ${outcome} (${s.codexHome}/config.toml)`);
  return undefined;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export async function runSession(ctx: Context): Promise<number> {
  const { d, settings: s, log } = ctx;
  const bin = await findCodex({ codexBin: s.codexBin, path: d.env.PATH ?? '', cwd: d.cwd, self: d.self });
  log.verbose(`codex: ${bin}`);
  const source = tokenSource(ctx, { cache: !ctx.args.noCache });
  const first: Token = await source.fetch();
  log.secret(first.value);
  log.verbose(`token: valid for ${seconds(first.expiresAt - d.clock.now())}`);
  const provider = await configure(s, log, d.uid);

  let refresher: Refresher | undefined;
  let proxy: AuthProxy | undefined;
  let state: Promise<{ stop(): Promise<void> }> | undefined;
  let lastOutcome: string | undefined;
  try {
    let key: string;
    const extraEnv: Record<string, string> = {};
    if (s.proxy) {
      refresher = startRefresher({
        source,
        initial: first,
        intervalMs: s.refreshIntervalSec * 1000,
        clock: d.clock,
        onRefresh: (t) => {
          log.secret(t.value);
          lastOutcome = 'ok';
          log.verbose(`token: refreshed, valid for ${seconds(t.expiresAt - d.clock.now())}`);
        },
        onError: (err, n) => {
          lastOutcome = 'failed';
          log.verbose(`token: refresh failed (${n} in a row): ${err instanceof Error ? err.message : String(err)}`);
        },
      });
      key = newSessionKey();
      log.secret(key);
      proxy = await startProxy({
        upstream: s.baseUrl,
        sessionKey: key,
        tokens: refresher,
        maxTokens: s.maxTokens,
        net: ctx.net,
        log: (m) => log.verbose(`proxy: ${m}`),
        redact: (t) => log.redact(t),
      });
      log.verbose(`proxy: listening on ${proxy.baseUrl}`);
    } else {
      key = first.value;
      // Codex talks to the gateway itself: it needs the same extra CA (CODEX-FACTS.md names both).
      if (s.caFile) {
        extraEnv.CODEX_CA_CERTIFICATE = s.caFile;
        if (!d.env.SSL_CERT_FILE) extraEnv.SSL_CERT_FILE = s.caFile;
      }
      const at = new Date(first.expiresAt).toISOString().slice(11, 19);
      // Said once, before Codex takes the terminal: a later line would land inside Codex's TUI.
      log.info(`direct mode (PROXY_MODE=false): the token expires at ${at} UTC and is not refreshed inside Codex`);
    }
    const started = d.clock.now();
    // Not awaited: the state file is written while Codex starts, off the start-up path.
    state = startStateFile({
      dir: sessionsDir(d.env, d.home),
      uid: d.uid,
      clock: d.clock,
      note: (m) => log.verbose(m),
      snapshot: () => ({
        pid: d.pid,
        cwd: d.cwd,
        mode: s.mock ? 'mock' : s.proxy ? 'proxy' : 'direct',
        startedAt: started,
        tokenExpiresAt: (refresher?.current() ?? first).expiresAt,
        lastRefreshAt: refresher?.stats.lastRefreshAt,
        lastRefreshOutcome: lastOutcome,
        refreshes: refresher?.stats.refreshes ?? 0,
        requestsProxied: proxy?.stats.requests ?? 0,
        upstreamErrors: proxy?.stats.upstreamErrors ?? 0,
      }),
    });
    const args = codexArgs({ userArgs: ctx.args.codexArgs, model: s.model, provider, proxyBaseUrl: proxy?.baseUrl });
    const secrets = [s.oauth?.clientSecret, s.proxy ? first.value : undefined].filter((x): x is string => !!x);
    const code = await runCodex({
      bin,
      args,
      cwd: d.cwd,
      env: { ...childEnv(d.env, key, secrets), ...extraEnv },
      onSignal: d.onSignal,
      fromTerminal: d.fromTerminal,
    });
    log.verbose(
      `codex exited with ${code}` +
        (proxy
          ? `; ${proxy.stats.requests} requests proxied, ${proxy.stats.retries} retried after 401, ${refresher?.stats.refreshes ?? 0} refreshes`
          : ''),
    );
    return code;
  } finally {
    refresher?.stop();
    await (await state)?.stop();
    await proxy?.close();
    await ctx.net.close();
  }
}
