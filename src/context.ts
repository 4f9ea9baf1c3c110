/** What every command needs, built once: settings, logger, network, token source. */
import { readFile } from 'node:fs/promises';
import type { SignalSubscribe } from './codex/spawn.js';
import { ExitCode, WrapError } from './errors.js';
import type { Logger } from './log.js';
import { createNet, type Net } from './net.js';
import type { Parsed } from './settings/args.js';
import { cacheDir } from './settings/paths.js';
import { type Key, parseBool, type Resolved, resolve, type Settings, validate } from './settings/resolve.js';
import { runSecretCommand } from './settings/secret-command.js';
import { readLayers } from './settings/sources.js';
import { cacheFile, createCachedSource } from './token/cache.js';
import type { Clock } from './token/refresh.js';
import { createMockTokenSource, createOAuthTokenSource, type TokenSource } from './token/source.js';
import type { Spinner } from './ui.js';

export interface Deps {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  version: string;
  pid: number;
  uid?: number;
  isAlive: (pid: number) => boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTTY: boolean;
  clock: Clock;
  onSignal: SignalSubscribe;
  /** True when a terminal is attached (it then sends Ctrl-C to Codex itself). */
  fromTerminal: boolean;
  /** Paths of this executable, so that PATH lookup never finds codex-wrap as codex. */
  self: readonly string[];
}

export interface Context {
  d: Deps;
  args: Parsed;
  settings: Settings;
  resolved: Partial<Record<Key, Resolved>>;
  log: Logger;
  spinner: Spinner;
  net: Net;
  /** PEM files to trust on top of the system roots; empty when none is configured. */
  caFiles: string[];
}

async function readCa(path: string, name: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new WrapError(`${name}=${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'point it at a PEM file of CA certificates',
      exitCode: ExitCode.usage,
    });
  }
}

export async function loadContext(d: Deps, args: Parsed, log: Logger, spinner: Spinner): Promise<Context> {
  const { layers, notices } = await readLayers({
    flags: args.flags,
    env: d.env,
    cwd: d.cwd,
    home: d.home,
    envFiles: args.envFiles,
    uid: d.uid,
  });
  // Before anything is validated or printed: a problem could echo a secret from any source.
  for (const layer of layers) log.secret(layer.values.OAUTH_CLIENT_SECRET);
  for (const notice of notices) log.info(notice);
  const resolved = await withSecretFromCommand(resolve(layers), d);
  log.secret(resolved.OAUTH_CLIENT_SECRET?.value, resolved.OAUTH_CLIENT_ID?.value.trim());
  const settings = validate(resolved, { home: d.home, trustProject: args.trustProjectEnv });
  // Passing our own CA list replaces Node's default set, which is where NODE_EXTRA_CA_CERTS lives.
  const caFiles = settings.caFile ? [settings.caFile, ...(d.env.NODE_EXTRA_CA_CERTS ? [d.env.NODE_EXTRA_CA_CERTS] : [])] : [];
  const pems = await Promise.all(caFiles.map((f, i) => readCa(f, i === 0 ? 'CA_CERT_FILE' : 'NODE_EXTRA_CA_CERTS')));
  return { d, args, settings, resolved, log, spinner, net: createNet(d.env, pems), caFiles };
}

/**
 * Fills OAUTH_CLIENT_SECRET from OAUTH_CLIENT_SECRET_COMMAND when no secret is set. A project file
 * never gets to run a command (validate reports it); MOCK_MODE needs no secret.
 */
async function withSecretFromCommand(r: Partial<Record<Key, Resolved>>, d: Deps): Promise<Partial<Record<Key, Resolved>>> {
  const command = r.OAUTH_CLIENT_SECRET_COMMAND;
  if (r.OAUTH_CLIENT_SECRET || !command?.value.trim() || command.kind === 'project' || parseBool(r.MOCK_MODE?.value ?? '')) return r;
  const value = await runSecretCommand(command.value, { cwd: d.home, env: d.env });
  return { ...r, OAUTH_CLIENT_SECRET: { value, from: `OAUTH_CLIENT_SECRET_COMMAND (from ${command.from})`, kind: command.kind } };
}

/** The IdP (through the cache unless --no-cache), or the mock token. */
export function tokenSource(ctx: Context, opts: { cache: boolean }): TokenSource {
  const { settings: s, d } = ctx;
  const intervalMs = s.refreshIntervalSec * 1000;
  if (!s.oauth) return createMockTokenSource(d.clock.now, intervalMs);
  const idp = createOAuthTokenSource(s.oauth, { now: d.clock.now, fallbackLifetimeMs: intervalMs, fetch: ctx.net.fetch });
  const spun: TokenSource = {
    fetch: async (o) => {
      ctx.spinner.start('getting a token…');
      try {
        return await idp.fetch(o);
      } finally {
        ctx.spinner.stop();
      }
    },
  };
  if (!opts.cache) return spun;
  return createCachedSource(spun, {
    file: cacheFile(cacheDir(d.env, d.home), s.oauth),
    now: d.clock.now,
    intervalMs,
    uid: d.uid,
    note: (m) => ctx.log.verbose(m),
    warn: (m) => ctx.log.warn(m),
  });
}
