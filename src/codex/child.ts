/**
 * Pure decisions about the Codex child: its argv, its environment, and what its end means as an
 * exit code. No I/O here; spawn.ts executes them.
 */
import { nodeOs } from '../os.js';
import { KEYS, spec } from '../settings/resolve.js';
import { KEY_ENV, PROFILE, PROVIDER_ID, type Provider } from './config.js';

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

/**
 * Codex's subcommands that never call the model: codex-wrap runs Codex directly for them — no
 * settings, no token, no proxy, no config written — so `alias codex=codex-wrap` leaves them as
 * plain Codex has them (hub does the same for git). Decided from `codex <command> --help` of the
 * pinned Codex 0.171.0; re-check when the pin moves. Anything not listed is wrapped: the safe side
 * for a command that may call the model (exec, review, resume, fork, agents, queue, mcp-server,
 * app-server, exec-server, remote-control, the TUI).
 */
export const MODEL_FREE: ReadonlyMap<string, string> = new Map([
  ['help', 'prints help'],
  ['completion', 'prints a shell completion script'],
  ['login', "manages Codex's own login"],
  ['logout', "removes Codex's stored credentials"],
  ['mcp', 'manages the MCP server list'],
  ['plugin', 'manages plugins'],
  ['features', 'lists feature flags'],
  ['update', 'updates Codex'],
  ['doctor', 'diagnoses the installation, config and auth'],
  ['sandbox', 'runs a command in the sandbox'],
  ['debug', 'debugging tools'],
  ['apply', 'applies the latest diff'],
  ['a', 'alias of apply'],
  ['archive', 'archives a saved session'],
  ['unarchive', 'unarchives a saved session'],
  ['delete', 'deletes a saved session'],
  ['migrate-rollouts', 'migrates local sessions'],
  ['migrate-nfs-db', 'migrates local databases'],
  ['cloud', 'browses Codex Cloud tasks (ChatGPT sign-in, not the model provider)'],
]);

const HELP_OR_VERSION = new Set(['-h', '--help', '-V', '--version']);

/** True when Codex will not call the model: help or version anywhere before `--`, or a MODEL_FREE subcommand. Pure. */
export function isModelFree(args: readonly string[]): boolean {
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (HELP_OR_VERSION.has(a)) return true;
    if (a.startsWith('-')) {
      if (command === undefined && VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    command ??= a;
  }
  return command !== undefined && MODEL_FREE.has(command);
}

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

/** Whether the user chose a profile of their own (`-p NAME`, `--profile NAME`, `--profile=NAME`). Pure. */
export function hasOwnProfile(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '-p' || a === '--profile' || a.startsWith('--profile=') || /^-p\S/.test(a)) return true;
  }
  return false;
}

/**
 * Codex's argv: our profile (unless the user chose one: then the `-c` pins alone carry the
 * provider), the session's pins, then the user's args verbatim (a later `-c` of the user's wins).
 * Every session pins its model, provider and the address Codex must use (the proxy, or the gateway
 * in direct mode) on its own command line, so concurrent sessions never redirect each other; `-c
 * model=` also wins over a project's .codex/config.toml, which may set `model`. Pure.
 */
export function codexArgs(o: { userArgs: readonly string[]; model: string; provider: Provider }): string[] {
  const out = hasOwnProfile(o.userArgs) ? [] : ['-p', PROFILE];
  out.push('-c', `model=${tomlString(o.model)}`, '-c', `model_provider=${tomlString(PROVIDER_ID)}`);
  for (const [k, v] of Object.entries(o.provider)) out.push('-c', `model_providers.${PROVIDER_ID}.${k}=${tomlString(v)}`);
  // The TUI's shared daemon keeps the first session's environment and outlives it (CODEX-FACTS.md).
  if (isInteractive(o.userArgs) && !o.userArgs.includes('--no-daemon')) out.push('--no-daemon');
  return [...out, ...o.userArgs];
}

type Env = Record<string, string | undefined>;

/** The settings marked secret in SETTINGS: Codex never needs them, whoever starts it. */
const SECRET_SETTINGS: ReadonlySet<string> = new Set(KEYS.filter((k) => spec(k).secret));

/**
 * The parent's environment less every secret setting (by name) and any `secrets` value (under any
 * name), with CODEX_HOME when codex-wrap's settings chose it (Codex must read the home codex-wrap
 * wrote to). What a plain Codex gets; a session adds its key (childEnv). Pure.
 */
export function codexEnv(parent: Readonly<Env>, o: { secrets?: readonly string[]; codexHome?: string } = {}): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined || SECRET_SETTINGS.has(k) || o.secrets?.includes(v)) continue;
    env[k] = v;
  }
  if (o.codexHome) env.CODEX_HOME = o.codexHome;
  return env;
}

/** A session's Codex: codexEnv, the one key Codex needs, and the session marker. Pure. */
export function childEnv(parent: Readonly<Env>, o: { key: string; secrets: readonly string[]; codexHome?: string }): Env {
  const env = codexEnv(parent, o);
  env[KEY_ENV] = o.key;
  env[SESSION_MARKER] = '1';
  return env;
}

/** Codex's exit code, or 128+n when signal n killed it (the shell's convention). Pure. */
export function exitCodeOf(result: { exitCode?: number; signal?: string }): number {
  if (result.signal) {
    const { signals } = nodeOs().constants;
    const n = signals[result.signal as keyof typeof signals];
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
