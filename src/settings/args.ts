/**
 * The wrapper's own flags. They come first; from the first word codex-wrap does not know (or after
 * `--`) everything goes to Codex verbatim, so `alias codex=codex-wrap` never changes a Codex command.
 * No flag takes a secret: argv is visible to every user of the machine.
 */
import { CommanderError, Option, Command as Program } from 'commander';
import { ExitCode, WrapError } from '../errors.js';
import { type Key, parseBool } from './resolve.js';

/** codex-wrap's own commands: names Codex does not use, so an alias never changes a Codex command. */
export const COMMANDS = ['status', 'check', 'print-config', 'token', 'allow', 'deny', 'dashboard'] as const;
/** `codex`: everything else, which runs Codex. */
export type CommandName = 'codex' | (typeof COMMANDS)[number];

export interface Parsed {
  command: CommandName;
  /** `--json` after status or check. */
  json: boolean;
  noCache: boolean;
  /** Values from flags, keyed like the environment. */
  flags: Partial<Record<Key, string>>;
  /** `--env-file`, in the order given (a later file wins). */
  envFiles: string[];
  /** `allow` / `deny`: the project file or directory named, if any. */
  target?: string;
  /** `dashboard --port N` (0: any free port) and `--no-open`. */
  dashboard: { port: number; open: boolean };
  trustProjectEnv: boolean;
  verbose: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
  codexArgs: string[];
}

const VALUE_FLAGS: ReadonlyArray<[flag: string, key: Key, what: string]> = [
  ['--llm-base-url <url>', 'LLM_API_BASE_URL', 'gateway base URL (LLM_API_BASE_URL)'],
  ['--llm-model <name>', 'LLM_MODEL_NAME', 'model name (LLM_MODEL_NAME)'],
  ['--max-tokens <n>', 'MAX_TOKENS', 'max_output_tokens added to requests, 0 = off (MAX_TOKENS)'],
  ['--refresh-interval <seconds>', 'TOKEN_REFRESH_INTERVAL', 'token refresh interval (TOKEN_REFRESH_INTERVAL)'],
  ['--oauth-endpoint <url>', 'OAUTH_ENDPOINT', "IdP's token endpoint (OAUTH_ENDPOINT)"],
  ['--oauth-client-id <id>', 'OAUTH_CLIENT_ID', 'client id (OAUTH_CLIENT_ID); the secret never on the command line'],
  ['--oauth-scope <scope>', 'OAUTH_SCOPE', 'scope to request (OAUTH_SCOPE)'],
  ['--oauth-audience <aud>', 'OAUTH_AUDIENCE', 'audience to request (OAUTH_AUDIENCE)'],
  ['--oauth-auth-method <method>', 'OAUTH_AUTH_METHOD', 'client_secret_basic | client_secret_post'],
  ['--codex-home <dir>', 'CODEX_HOME', "Codex's home (CODEX_HOME, default ~/.codex)"],
  ['--codex-bin <path>', 'CODEX_BIN', 'the real codex executable (CODEX_BIN, default: PATH)'],
  ['--ca-cert-file <file>', 'CA_CERT_FILE', 'extra CA certificates (PEM) for the IdP and the gateway (CA_CERT_FILE)'],
];

function attributeOf(flag: string): string {
  const name = flag.split(' ')[0].replace(/^--/, '');
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `passThrough`: options only before the first argument codex-wrap does not know (the Codex command line). */
export function buildProgram(passThrough = true): Program {
  const program = new Program('codex-wrap')
    .usage('[wrapper options] [codex args...]')
    .description(
      'Runs the OpenAI Codex CLI against an OAuth2-protected LLM gateway, keeping its token fresh.\n' +
        'Everything from the first argument codex-wrap does not know is passed to codex unchanged;\n' +
        "`codex-wrap -- --help` shows Codex's own help.",
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions(passThrough)
    .argument('[codex-args...]')
    .option('--version', "print Codex's version, then codex-wrap's (-V is Codex's alone)")
    .option(
      '--env-file <file>',
      'read settings from this file (repeatable; a later file wins)',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option('--mock', 'MOCK_MODE=true: no IdP; with no gateway, a built-in mock model answers')
    .option('--proxy', 'PROXY_MODE=true (default): refreshed tokens reach Codex through a loopback proxy')
    .option('--no-proxy', "PROXY_MODE=false: put the token in Codex's environment (it is not refreshed there)")
    .option('--trust-project-env', 'let an approved .codex-wrap.env set every setting (see the README)')
    .option('--no-cache', 'neither read nor write the token cache')
    .option('--verbose', 'log each step with its timing on stderr (secrets redacted)')
    .option('--debug', 'like --verbose, and print stack traces of errors')
    .addOption(new Option('-h, --help', "show Codex's help, then this"));
  for (const [flag, , what] of VALUE_FLAGS) program.option(flag, what);
  program.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  return program;
}

function parse(program: Program, argv: readonly string[]): void {
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    throw new WrapError(err.message.replace(/^error: /, ''), { hint: 'see codex-wrap --help', exitCode: ExitCode.usage });
  }
}

/** The options given before a command, overridden by those given after it; --env-file files add up. */
function mergeOptions(before: Program, after: Program): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...before.opts() };
  for (const [name, value] of Object.entries(after.opts())) {
    if (after.getOptionValueSource(name) !== 'cli') continue;
    merged[name] = name === 'envFile' ? [...(merged.envFile as string[]), ...(value as string[])] : value;
  }
  return merged;
}

/** Parses argv (without node and script). Throws a usage error for malformed wrapper flags. */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Parsed {
  const program = buildProgram();
  parse(program, argv);
  let opts = program.opts();
  const rest = [...program.args];
  // A command name right after `--` is a prompt for Codex (`codex-wrap -- status`).
  const afterDashDash = argv[argv.length - rest.length - 1] === '--';
  const command = !afterDashDash && (COMMANDS as readonly string[]).includes(rest[0] ?? '') ? (rest[0] as CommandName) : 'codex';
  let json = false;
  let target: string | undefined;
  let dashboard = { port: 0, open: true };
  if (command !== 'codex') {
    // codex-wrap's own commands take its options after them too (`check --verbose`).
    const after = buildProgram(false);
    parse(after, rest.slice(1));
    opts = mergeOptions(program, after);
    const extra = [...after.args];
    json = extra.includes('--json') && (command === 'status' || command === 'check');
    if ((command === 'allow' || command === 'deny') && extra.length === 1 && !extra[0].startsWith('-')) target = extra.shift();
    if (command === 'dashboard') dashboard = dashboardOptions(extra);
    const unknown = extra.filter((a) => !(a === '--json' && json));
    if (unknown.length > 0) {
      throw new WrapError(`codex-wrap ${command} does not take ${unknown.join(' ')}`, {
        hint: `see codex-wrap --help; to send "${command}" to Codex as a prompt, use codex-wrap -- ${command}`,
        exitCode: ExitCode.usage,
      });
    }
  }
  const flags: Partial<Record<Key, string>> = {};
  for (const [flag, key] of VALUE_FLAGS) {
    const v = opts[attributeOf(flag)];
    if (typeof v === 'string') flags[key] = v;
  }
  if (opts.mock) flags.MOCK_MODE = 'true';
  if (opts.proxy !== undefined) flags.PROXY_MODE = String(opts.proxy);
  const debugEnv = (env.DEBUG ?? '').split(',').some((d) => d.trim() === 'codex-wrap' || d.trim() === '*');
  return {
    command,
    json,
    noCache: opts.cache === false,
    flags,
    envFiles: opts.envFile,
    target,
    dashboard,
    trustProjectEnv: Boolean(opts.trustProjectEnv) || parseBool(env.CODEX_WRAP_TRUST_PROJECT_ENV ?? '') === true,
    verbose: Boolean(opts.verbose || opts.debug) || debugEnv,
    debug: Boolean(opts.debug),
    help: Boolean(opts.help),
    version: Boolean(opts.version),
    codexArgs: command === 'codex' ? rest : [],
  };
}

/** Takes `--port N` / `--port=N` and `--no-open` out of the words after `dashboard`. */
function dashboardOptions(extra: string[]): { port: number; open: boolean } {
  const out = { port: 0, open: true };
  for (let i = 0; i < extra.length; ) {
    const word = extra[i];
    if (word === '--no-open') {
      out.open = false;
      extra.splice(i, 1);
    } else if (word === '--port' || word.startsWith('--port=')) {
      const value = word === '--port' ? extra[i + 1] : word.slice('--port='.length);
      extra.splice(i, word === '--port' ? 2 : 1);
      if (!/^\d{1,5}$/.test(value ?? '') || Number(value) > 65535) {
        throw new WrapError(`--port needs a port number from 0 to 65535, not "${value ?? ''}"`, {
          hint: 'leave --port out for any free port',
          exitCode: ExitCode.usage,
        });
      }
      out.port = Number(value);
    } else i++;
  }
  return out;
}
