/**
 * Pure decisions about the Codex child: its argv, its environment, and what its end means as an
 * exit code. No I/O here; run.ts executes them.
 */
import { constants } from 'node:os';
import { KEY_ENV, PROVIDER_ID, type Provider } from './config.js';

/** Set in Codex's environment; a codex-wrap that sees it refuses to nest (aws-vault's rule). */
export const SESSION_MARKER = 'CODEX_WRAP_SESSION';

/**
 * Codex's subcommands and the global options that take a value, from `codex --help` of the pinned
 * Codex (0.171.0, package.json). When the pin moves, compare them with the new `codex --help`
 * (tests/e2e/real-codex.test.ts checks that every subcommand listed there is known here).
 */
export const SUBCOMMANDS = new Set([
  'agents',
  'exec',
  'e',
  'review',
  'login',
  'logout',
  'mcp',
  'plugin',
  'app-server',
  'remote-control',
  'completion',
  'update',
  'doctor',
  'sandbox',
  'debug',
  'apply',
  'a',
  'resume',
  'queue',
  'archive',
  'delete',
  'migrate-rollouts',
  'migrate-nfs-db',
  'unarchive',
  'fork',
  'cloud',
  'exec-server',
  'features',
  'help',
  'mcp-server',
  'proto',
  'p',
]);
const VALUE_OPTIONS = new Set([
  '-c',
  '--config',
  '--enable',
  '--disable',
  '--remote',
  '--remote-auth-token-env',
  '-i',
  '--image',
  '-m',
  '--model',
  '--local-provider',
  '-p',
  '--profile',
  '-s',
  '--sandbox',
  '-C',
  '--cd',
  '--add-dir',
  '-a',
  '--ask-for-approval',
]);

/** True when the args start Codex's interactive TUI (no subcommand). Pure. */
export function isInteractive(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return true;
    if (a === '-h' || a === '--help' || a === '-V' || a === '--version') return false;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return !SUBCOMMANDS.has(a);
  }
  return true;
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Codex's argv: our session overrides first, then the user's args verbatim (a later `-c` of the
 * user's wins). `-c model=` because a project's .codex/config.toml may set `model`.
 * The proxy URL goes on the command line only, never into config.toml.
 */
export function codexArgs(o: {
  userArgs: readonly string[];
  model: string;
  /** The whole provider, for sessions whose provider is not in config.toml (mock without gateway). */
  provider?: Provider;
  /** The loopback proxy's base URL, when PROXY_MODE is on. */
  proxyBaseUrl?: string;
}): string[] {
  const out = ['-c', `model=${tomlString(o.model)}`, '-c', `model_provider=${tomlString(PROVIDER_ID)}`];
  const provider = o.provider ?? (o.proxyBaseUrl ? { base_url: o.proxyBaseUrl } : {});
  for (const [k, v] of Object.entries(provider)) {
    const value = k === 'base_url' && o.proxyBaseUrl ? o.proxyBaseUrl : v;
    out.push('-c', `model_providers.${PROVIDER_ID}.${k}=${tomlString(value)}`);
  }
  // The TUI's shared daemon keeps the first session's environment and outlives it (CODEX-FACTS.md).
  if (isInteractive(o.userArgs) && !o.userArgs.includes('--no-daemon')) out.push('--no-daemon');
  return [...out, ...o.userArgs];
}

type Env = Record<string, string | undefined>;

/**
 * The child's environment: the parent's, the one key Codex needs, the session marker; without
 * the client secret (under any name) or anything else we hold. Pure.
 */
export function childEnv(parent: Readonly<Env>, key: string, secrets: readonly string[]): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined || k === 'OAUTH_CLIENT_SECRET' || secrets.includes(v)) continue;
    env[k] = v;
  }
  env[KEY_ENV] = key;
  env[SESSION_MARKER] = '1';
  return env;
}

/** Codex's exit code, or 128+n when signal n killed it (the shell's convention). Pure. */
export function exitCodeOf(result: { exitCode?: number; signal?: string }): number {
  if (result.signal) {
    const n = constants.signals[result.signal as keyof typeof constants.signals];
    return 128 + (n ?? 0);
  }
  return result.exitCode ?? 1;
}

/**
 * Whether a signal the wrapper received should be sent on to Codex. A terminal sends Ctrl-C /
 * Ctrl-\ / hang-up to the whole foreground group, Codex included, so forwarding those again would
 * deliver them twice; SIGTERM comes from `kill` and reaches only us. Pure.
 */
export function shouldForward(signal: NodeJS.Signals, fromTerminal: boolean): boolean {
  if (signal === 'SIGTERM') return true;
  return !fromTerminal;
}
