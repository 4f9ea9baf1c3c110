/** `codex-wrap [codex args]`: token → config.toml → proxy (or direct) → Codex, until Codex exits. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, codexArgs, isInteractive } from '../codex/child.js';
import { profileProvider, providerTable, repairConfigToml, writeProfile } from '../codex/config.js';
import { findCodex, runCodex } from '../codex/spawn.js';
import type { Context } from '../context.js';
import { privateDir } from '../files.js';
import { newSessionKey } from '../proxy/forward.js';
import { type AuthProxy, startProxy } from '../proxy/server.js';
import { logsDir, sessionsDir } from '../settings/paths.js';
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
  // Without a terminal UI (`exec`: scripts, CI), a grant runs while Codex starts: Codex's first
  // request comes ~0.1 s after its start and waits at the proxy if the IdP is slower. If the grant
  // fails, Codex is ended and the error is said as before. A TUI session gets its token first, so a
  // failure is said on a clean terminal; a cached token is taken as it is either way.
  const overlap = settings.proxy && settings.oauth !== undefined && !isInteractive(ctx.args.codexArgs);
  const source = tokenSource(ctx, { cache: !ctx.args.noCache, spinner: !overlap });
  const cached = overlap ? await source.peek?.() : undefined;
  const granting = overlap && !cached;
  let first: Token | undefined;
  const got = (token: Token): Token => {
    first = token;
    log.secret(token.value);
    log.verbose(`token: valid for ${seconds(token.expiresAt - deps.clock.now())}`);
    return token;
  };
  const firstToken = granting ? source.fetch().then(got) : Promise.resolve(got(cached ?? (await source.fetch())));
  let grantFailed = false;
  firstToken.catch(() => {
    grantFailed = true;
  });
  await configure(ctx);
  // The state file learns of changes through `changed`; it is written while Codex starts, off the
  // start-up path, from when the first token is known.
  let changed = () => {};
  const auth = settings.proxy ? await proxyMode(ctx, source, firstToken, () => changed()) : directMode(ctx, await firstToken);
  const startedAt = deps.clock.now();
  let state: { changed(): void; stop(): Promise<void> } | undefined;
  let over = false;
  firstToken.then(
    (token) => {
      if (over) return;
      state = startStateFile({
        dir: sessionsDir(deps.env, deps.home),
        uid: deps.uid,
        clock: deps.clock,
        note: (m) => log.verbose(m),
        snapshot: snapshot(ctx, auth, token, startedAt),
      });
      changed = state.changed;
    },
    () => {},
  );
  let restoreLog: (() => void) | undefined;
  try {
    // The address Codex really uses is pinned on its command line: the proxy, or the gateway.
    const address = auth.proxy?.baseUrl ?? (settings.baseUrl as URL).href;
    const args = codexArgs({ userArgs: ctx.args.codexArgs, model: settings.model, provider: providerTable(address) });
    // A token granted while Codex starts did not exist when its environment was made.
    const secrets = [settings.oauth?.clientSecret, settings.proxy ? first?.value : undefined].filter((x): x is string => !!x);
    if (isInteractive(ctx.args.codexArgs) && ctx.args.verbose) restoreLog = await logToFile(ctx);
    if (grantFailed) await firstToken; // it failed before Codex was started: its error, and no Codex
    const code = await runCodex({
      bin,
      args,
      cwd: deps.cwd,
      env: { ...childEnv(deps.env, { key: auth.key, secrets, codexHome: settings.codexHome }), ...auth.extraEnv },
      onSignal: deps.onSignal,
      fromTerminal: () => deps.fromTerminal,
      endWithUs: deps.env.CODEX_WRAP_WATCHDOG === 'shell' ? 'shell' : 'auto',
      onSpawned: () => auth.proxy?.accept(),
      failWith: granting ? firstToken : undefined,
    });
    const { proxy, refresher } = auth;
    const summary = proxy
      ? `; ${count(proxy.stats.requests, 'request')} proxied, ${proxy.stats.retries} retried after 401, ${count(refresher?.stats.refreshes ?? 0, 'refresh', 'refreshes')}`
      : '';
    log.verbose(`codex exited with ${code}${summary}`);
    return code;
  } finally {
    over = true;
    restoreLog?.();
    await auth.stop();
    await state?.stop();
    // The proxy's request path ran (Codex's requests, or the rehearsal's): the code cache may take it.
    if (auth.proxy && (auth.proxy.stats.requests > 0 || (await auth.proxy.rehearsed()))) deps.ran?.('request');
  }
}

/**
 * From here on the TUI owns the terminal: --verbose lines go to a log file under the state dir
 * (its path said once, before Codex starts), never over Codex's screen.
 */
async function logToFile(ctx: Context): Promise<() => void> {
  const { deps, log } = ctx;
  const dir = logsDir(deps.env, deps.home);
  const why = await privateDir(dir, deps.uid).catch((err: Error) => err.message);
  if (why) {
    log.warn(`no verbose log while Codex runs: ${why}`);
    return log.redirect(() => {});
  }
  const file = join(dir, `${deps.pid}.log`);
  const fd = openSync(file, 'a', 0o600);
  log.info(`verbose log of this session: ${file}`);
  const restore = log.redirect((line) => {
    try {
      writeSync(fd, line);
    } catch {}
  });
  return () => {
    restore();
    closeSync(fd);
  };
}

/** Writes codex-wrap's profile (only when it changes); repairs a config.toml an earlier codex-wrap pointed at itself. */
async function configure(ctx: Context): Promise<void> {
  const { settings, log } = ctx;
  const outcome = await writeProfile(settings.codexHome, settings.model, profileProvider(settings), ctx.deps.uid);
  log.verbose(`profile: ${outcome} (${settings.codexHome}/codex-wrap.config.toml)`);
  const repaired = await repairConfigToml(settings.codexHome, settings.model, ctx.deps.uid);
  if (repaired) log.info(repaired);
}

/**
 * PROXY_MODE: Codex holds a per-session key; the proxy sends the token the refresher keeps current.
 * The refresher starts from the first token, which may still be on its way (runSession): until
 * then the proxy's requests wait for it.
 */
async function proxyMode(ctx: Context, source: TokenSource, first: Promise<Token>, changed: () => void): Promise<Auth> {
  const { deps, settings, log } = ctx;
  let stopped = false;
  const auth: Partial<Auth> = {};
  const refresher = first.then((initial) => {
    const started = startRefresher({
      source,
      initial,
      intervalMs: settings.refreshIntervalSec * 1000,
      clock: deps.clock,
      onRefresh: (token) => {
        changed();
        log.secret(token.value);
        log.verbose(`token: refreshed, valid for ${seconds(token.expiresAt - deps.clock.now())}`);
      },
      onShortLifetime: (ms) => {
        log.verbose(
          `token: the IdP's tokens live ${ms} ms, less than the 5 s between grants: each is used for 5 s, and a 401 asks for the next`,
        );
      },
      onError: (err, failures) => {
        changed();
        log.verbose(`token: refresh failed (${failures} in a row): ${err instanceof Error ? err.message : String(err)}`);
      },
    });
    if (stopped) started.stop();
    auth.refresher = started;
    return started;
  });
  refresher.catch(() => {});
  const stopRefresher = () => {
    stopped = true;
    auth.refresher?.stop();
  };
  const key = newSessionKey();
  log.secret(key);
  const proxy = await startProxy({
    upstream: settings.baseUrl,
    sessionKey: key,
    tokens: {
      token: async () => (await refresher).token(),
      forceRefresh: async (rejected) => (await refresher).forceRefresh(rejected),
    },
    maxTokens: settings.maxTokens,
    net: ctx.net,
    log: (m) => log.verbose(`proxy: ${m}`),
    redact: (t) => log.redact(t),
    onAnswered: changed,
    rehearse: true,
    acceptLater: true,
  }).catch((err: unknown) => {
    stopRefresher();
    throw err;
  });
  log.verbose(`proxy: listening on ${proxy.baseUrl}`);
  return Object.assign(auth, {
    key,
    extraEnv: {},
    proxy,
    async stop() {
      stopRefresher();
      await proxy.close();
    },
  });
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
    model: settings.model,
    gateway: settings.baseUrl?.host,
    startedAt,
    tokenExpiresAt: (auth.refresher?.current() ?? first).expiresAt,
    lastRefreshAt: auth.refresher?.stats.lastRefreshAt,
    lastRefreshOutcome: auth.refresher?.stats.lastOutcome,
    refreshes: auth.refresher?.stats.refreshes ?? 0,
    requestsProxied: auth.proxy?.stats.requests ?? 0,
    upstreamErrors: auth.proxy?.stats.upstreamErrors ?? 0,
  });
}
