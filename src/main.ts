/**
 * The programmatic entry: settings → token → config.toml → proxy → Codex. Returns the exit code;
 * cli.ts is the only place that touches the process.
 */
import { parseArgs } from './args.js';
import { ensureCodexHome, type Provider, providerTable, writeCodexConfig } from './codex-config.js';
import { childEnv, codexArgs, SESSION_MARKER } from './command.js';
import { describeFailure, ExitCode, WrapError } from './errors.js';
import { helpText } from './help.js';
import { createLogger, type Logger } from './log.js';
import { type AuthProxy, newSessionKey, startProxy } from './proxy.js';
import { type Clock, type Refresher, startRefresher } from './refresh.js';
import { findCodex, runCodex, type SignalSubscribe } from './run.js';
import { resolve, type Settings, validate } from './settings.js';
import { readLayers } from './sources.js';
import { createMockTokenSource, createOAuthTokenSource, type Token, type TokenSource } from './token.js';

export interface Deps {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  version: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  clock: Clock;
  onSignal: SignalSubscribe;
  /** True when a terminal is attached (it then sends Ctrl-C to Codex itself). */
  fromTerminal: boolean;
  /** Paths of this executable, so that PATH lookup never finds codex-wrap as codex. */
  self: readonly string[];
  fetch?: typeof fetch;
}

/** Runs codex-wrap; never throws: failures are printed (redacted) and become the exit code. */
export async function main(d: Deps): Promise<number> {
  let log = createLogger({ write: d.stderr, verbose: false, now: d.clock.now });
  let debug = false;
  try {
    const args = parseArgs(d.argv, d.env);
    debug = args.debug;
    log = createLogger({ write: d.stderr, verbose: args.verbose, now: d.clock.now });
    if (args.help) {
      d.stdout(helpText());
      return ExitCode.ok;
    }
    if (args.version) {
      d.stdout(`codex-wrap ${d.version}\n`);
      return ExitCode.ok;
    }
    if (d.env[SESSION_MARKER]) {
      throw new WrapError('codex-wrap is already running here (this shell was started by Codex under codex-wrap)', {
        hint: 'run codex directly inside a codex-wrap session, or unset CODEX_WRAP_SESSION',
        exitCode: ExitCode.nested,
      });
    }
    const layers = await readLayers({ flags: args.flags, env: d.env, cwd: d.cwd, home: d.home, envFile: args.envFile });
    const settings = validate(resolve(layers), { home: d.home, trustProject: args.trustProjectEnv });
    log.secret(settings.oauth?.clientSecret);
    log.verbose(
      `settings: ${settings.mock ? 'MOCK_MODE, ' : ''}${settings.proxy ? 'proxy' : 'direct'} mode, model ${settings.model}, gateway ${settings.baseUrl?.href ?? '(mock model)'}`,
    );
    const bin = await findCodex({ codexBin: settings.codexBin, path: d.env.PATH ?? '', cwd: d.cwd, self: d.self });
    log.verbose(`codex: ${bin}`);
    return await session(d, settings, bin, args.codexArgs, log);
  } catch (err) {
    const { text, exitCode } = describeFailure(err, debug);
    d.stderr(`${log.redact(text)}\n`);
    return exitCode;
  }
}

function tokenSource(d: Deps, s: Settings): TokenSource {
  const lifetimeMs = s.refreshIntervalSec * 1000;
  if (!s.oauth) return createMockTokenSource(d.clock.now, lifetimeMs);
  return createOAuthTokenSource(s.oauth, { now: d.clock.now, fallbackLifetimeMs: lifetimeMs, fetch: d.fetch });
}

/** config.toml keeps the real gateway; a mock session without one passes its provider on argv only. */
async function configure(s: Settings, log: Logger): Promise<Provider | undefined> {
  if (!s.baseUrl) {
    await ensureCodexHome(s.codexHome);
    log.verbose('config.toml: left alone (mock model; the provider is passed with -c)');
    return providerTable('http://127.0.0.1/v1');
  }
  const outcome = await writeCodexConfig(s.codexHome, s.model, providerTable(s.baseUrl.href));
  log.verbose(`config.toml: ${outcome} (${s.codexHome}/config.toml)`);
  return undefined;
}

async function session(d: Deps, s: Settings, bin: string, userArgs: string[], log: Logger): Promise<number> {
  const source = tokenSource(d, s);
  const first: Token = await source.fetch();
  log.secret(first.value);
  log.verbose(`token: obtained, expires in ${Math.round((first.expiresAt - d.clock.now()) / 1000)} s`);
  const provider = await configure(s, log);

  let refresher: Refresher | undefined;
  let proxy: AuthProxy | undefined;
  try {
    let key: string;
    if (s.proxy) {
      refresher = startRefresher({
        source,
        initial: first,
        intervalMs: s.refreshIntervalSec * 1000,
        clock: d.clock,
        onRefresh: (t) => {
          log.secret(t.value);
          log.verbose(`token: refreshed, expires in ${Math.round((t.expiresAt - d.clock.now()) / 1000)} s`);
        },
        onError: (err, n) => log.verbose(`token: refresh failed (${n} in a row): ${err instanceof Error ? err.message : String(err)}`),
      });
      key = newSessionKey();
      log.secret(key);
      proxy = await startProxy({
        upstream: s.baseUrl,
        sessionKey: key,
        tokens: refresher,
        maxTokens: s.maxTokens,
        log: (m) => log.verbose(`proxy: ${m}`),
      });
      log.verbose(`proxy: listening on ${proxy.baseUrl}`);
    } else {
      key = first.value;
      const at = new Date(first.expiresAt).toISOString().slice(11, 19);
      // Said once, before Codex takes the terminal: a later line would land inside Codex's TUI.
      log.info(`direct mode (PROXY_MODE=false): the token expires at ${at} UTC and is not refreshed inside Codex`);
    }
    const args = codexArgs({ userArgs, model: s.model, provider, proxyBaseUrl: proxy?.baseUrl });
    const secrets = [s.oauth?.clientSecret, s.proxy ? first.value : undefined].filter((x): x is string => !!x);
    const code = await runCodex({
      bin,
      args,
      cwd: d.cwd,
      env: childEnv(d.env, key, secrets),
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
    await proxy?.close();
  }
}
