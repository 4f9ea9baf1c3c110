/** `codex-wrap [codex args]`: token → config.toml → proxy (or direct) → Codex, until Codex exits. */
import { childEnv, codexArgs } from '../codex/child.js';
import { ensureCodexHome, type Provider, providerPlacement, writeCodexConfig } from '../codex/config.js';
import { findCodex, runCodex } from '../codex/spawn.js';
import type { Context } from '../context.js';
import { newSessionKey } from '../proxy/forward.js';
import { type AuthProxy, startProxy } from '../proxy/server.js';
import { sessionsDir } from '../settings/paths.js';
import { tokenSource } from '../token/chain.js';
import { type Refresher, startRefresher } from '../token/refresh.js';
import type { Token, TokenSource } from '../token/source.js';
import { type SessionState, startStateFile } from './state.js';

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** How Codex is authorized for this session: what it gets, and what runs beside it. */
interface Auth {
  /** The value of CUSTOM_LLM_API_KEY in Codex's environment. */
  key: string;
  extraEnv: Record<string, string>;
  refresher?: Refresher;
  proxy?: AuthProxy;
  stop(): Promise<void>;
}

export async function runSession(ctx: Context): Promise<number> {
  const { deps, settings, log } = ctx;
  const bin = await findCodex(deps, settings.codexBin);
  log.verbose(`codex: ${bin}`);
  const source = tokenSource(ctx, { cache: !ctx.args.noCache });
  const first = await source.fetch();
  log.secret(first.value);
  log.verbose(`token: valid for ${seconds(first.expiresAt - deps.clock.now())}`);
  const argvProvider = await configure(ctx);
  const auth = settings.proxy ? await proxyMode(ctx, source, first) : directMode(ctx, first);
  // Not awaited: the state file is written while Codex starts, off the start-up path.
  const state = startStateFile({
    dir: sessionsDir(deps.env, deps.home),
    uid: deps.uid,
    clock: deps.clock,
    note: (m) => log.verbose(m),
    snapshot: snapshot(ctx, auth, first, deps.clock.now()),
  });
  try {
    const args = codexArgs({
      userArgs: ctx.args.codexArgs,
      model: settings.model,
      provider: argvProvider,
      proxyBaseUrl: auth.proxy?.baseUrl,
    });
    const secrets = [settings.oauth?.clientSecret, settings.proxy ? first.value : undefined].filter((x): x is string => !!x);
    const code = await runCodex({
      bin,
      args,
      cwd: deps.cwd,
      env: { ...childEnv(deps.env, auth.key, secrets), ...auth.extraEnv },
      onSignal: deps.onSignal,
      fromTerminal: deps.fromTerminal,
    });
    const { proxy, refresher } = auth;
    const summary = proxy
      ? `; ${count(proxy.stats.requests, 'request')} proxied, ${proxy.stats.retries} retried after 401, ${count(refresher?.stats.refreshes ?? 0, 'refresh', 'refreshes')}`
      : '';
    log.verbose(`codex exited with ${code}${summary}`);
    return code;
  } finally {
    await auth.stop();
    await (await state).stop();
  }
}

/** Writes config.toml, or leaves it alone; returns the provider Codex's command line must carry, if any. */
async function configure(ctx: Context): Promise<Provider | undefined> {
  const { settings, log } = ctx;
  const { file, argv } = providerPlacement(settings);
  if (!file) {
    await ensureCodexHome(settings.codexHome);
    log.verbose('config.toml: left alone (mock model; the provider is passed with -c)');
    return argv;
  }
  const outcome = await writeCodexConfig(settings.codexHome, settings.model, file, ctx.deps.uid);
  log.verbose(`config.toml: ${outcome} (${settings.codexHome}/config.toml)`);
  return argv;
}

/** PROXY_MODE: Codex holds a per-session key; the proxy sends the token the refresher keeps current. */
async function proxyMode(ctx: Context, source: TokenSource, first: Token): Promise<Auth> {
  const { deps, settings, log } = ctx;
  const refresher = startRefresher({
    source,
    initial: first,
    intervalMs: settings.refreshIntervalSec * 1000,
    clock: deps.clock,
    onRefresh: (token) => {
      log.secret(token.value);
      log.verbose(`token: refreshed, valid for ${seconds(token.expiresAt - deps.clock.now())}`);
    },
    onError: (err, failures) => {
      log.verbose(`token: refresh failed (${failures} in a row): ${err instanceof Error ? err.message : String(err)}`);
    },
  });
  const key = newSessionKey();
  log.secret(key);
  const proxy = await startProxy({
    upstream: settings.baseUrl,
    sessionKey: key,
    tokens: refresher,
    maxTokens: settings.maxTokens,
    net: ctx.net,
    log: (m) => log.verbose(`proxy: ${m}`),
    redact: (t) => log.redact(t),
  }).catch((err: unknown) => {
    refresher.stop();
    throw err;
  });
  log.verbose(`proxy: listening on ${proxy.baseUrl}`);
  return {
    key,
    extraEnv: {},
    refresher,
    proxy,
    async stop() {
      refresher.stop();
      await proxy.close();
    },
  };
}

/** PROXY_MODE=false: the token itself goes into Codex's environment and is not refreshed there. */
function directMode(ctx: Context, first: Token): Auth {
  const { deps, settings, log } = ctx;
  const extraEnv: Record<string, string> = {};
  // Codex talks to the gateway itself: it needs the same extra CA (CODEX-FACTS.md names both).
  if (settings.caFile) {
    extraEnv.CODEX_CA_CERTIFICATE = settings.caFile;
    if (!deps.env.SSL_CERT_FILE) extraEnv.SSL_CERT_FILE = settings.caFile;
  }
  const at = new Date(first.expiresAt).toISOString().slice(11, 19);
  // Said once, before Codex takes the terminal: a later line would land inside Codex's TUI.
  log.info(`direct mode (PROXY_MODE=false): the token expires at ${at} UTC and is not refreshed inside Codex`);
  return { key: first.value, extraEnv, stop: async () => {} };
}

/** What `status` shows of this session, read fresh each time the state file is written. */
function snapshot(ctx: Context, auth: Auth, first: Token, startedAt: number): () => SessionState {
  const { deps, settings } = ctx;
  return () => ({
    pid: deps.pid,
    cwd: deps.cwd,
    mode: settings.mock ? 'mock' : settings.proxy ? 'proxy' : 'direct',
    startedAt,
    tokenExpiresAt: (auth.refresher?.current() ?? first).expiresAt,
    lastRefreshAt: auth.refresher?.stats.lastRefreshAt,
    lastRefreshOutcome: auth.refresher?.stats.lastOutcome,
    refreshes: auth.refresher?.stats.refreshes ?? 0,
    requestsProxied: auth.proxy?.stats.requests ?? 0,
    upstreamErrors: auth.proxy?.stats.upstreamErrors ?? 0,
  });
}
