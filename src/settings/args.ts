/**
 * The wrapper's own flags. They come first; from the first word codex-wrap does not know (or after
 * `--`) everything goes to Codex verbatim, so `alias codex=codex-wrap` never changes a Codex command.
 * No flag takes a secret: argv is visible to every user of the machine.
 *
 * The parser is this file's table and one loop (no argument library): a wrapper that must stop at
 * the first word it does not know needs little more, and every session starts through it (issue #12).
 */
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

/** What the flags set, before it becomes Parsed. */
type Switch = 'version' | 'trustProjectEnv' | 'noCache' | 'verbose' | 'debug' | 'help';
interface Given {
  switches: Set<Switch>;
  flags: Partial<Record<Key, string>>;
  envFiles: string[];
}

export interface OptionSpec {
  /** `-h, --help` or `--llm-model`; the first long name is the one the README shows. */
  names: string[];
  /** The value's placeholder, for a flag that takes one. */
  value?: string;
  what: string;
  set(given: Given, value: string): void;
}

const on = (name: Switch) => (given: Given) => {
  given.switches.add(name);
};
const setting =
  (key: Key, fixed?: string) =>
  (given: Given, value: string): void => {
    given.flags[key] = fixed ?? value;
  };

/** Every flag, in the order --help lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { names: ['--version'], what: "print Codex's version, then codex-wrap's (-V is Codex's alone)", set: on('version') },
  {
    names: ['--env-file'],
    value: '<file>',
    what: 'read settings from this file (repeatable; a later file wins)',
    set: (given, file) => {
      given.envFiles.push(file);
    },
  },
  {
    names: ['--mock'],
    what: 'MOCK_MODE=true: no IdP; with no gateway, a built-in mock model answers',
    set: setting('MOCK_MODE', 'true'),
  },
  {
    names: ['--proxy'],
    what: 'PROXY_MODE=true (default): refreshed tokens reach Codex through a loopback proxy',
    set: setting('PROXY_MODE', 'true'),
  },
  {
    names: ['--no-proxy'],
    what: "PROXY_MODE=false: put the token in Codex's environment (it is not refreshed there)",
    set: setting('PROXY_MODE', 'false'),
  },
  {
    names: ['--trust-project-env'],
    what: 'let an approved .codex-wrap.env set every setting (see the README)',
    set: on('trustProjectEnv'),
  },
  { names: ['--no-cache'], what: 'neither read nor write the token cache', set: on('noCache') },
  { names: ['--verbose'], what: 'log each step with its timing on stderr (secrets redacted)', set: on('verbose') },
  { names: ['--debug'], what: 'like --verbose, and print stack traces of errors', set: on('debug') },
  { names: ['-h', '--help'], what: "show Codex's help, then this", set: on('help') },
  ...(
    [
      ['--llm-base-url', '<url>', 'LLM_API_BASE_URL', 'gateway base URL (LLM_API_BASE_URL)'],
      ['--llm-model', '<name>', 'LLM_MODEL_NAME', 'model name (LLM_MODEL_NAME)'],
      ['--max-tokens', '<n>', 'MAX_TOKENS', 'max_output_tokens added to requests, 0 = off (MAX_TOKENS)'],
      ['--refresh-interval', '<seconds>', 'TOKEN_REFRESH_INTERVAL', 'token refresh interval (TOKEN_REFRESH_INTERVAL)'],
      ['--oauth-endpoint', '<url>', 'OAUTH_ENDPOINT', "IdP's token endpoint (OAUTH_ENDPOINT)"],
      ['--oauth-client-id', '<id>', 'OAUTH_CLIENT_ID', 'client id (OAUTH_CLIENT_ID); the secret never on the command line'],
      ['--oauth-scope', '<scope>', 'OAUTH_SCOPE', 'scope to request (OAUTH_SCOPE)'],
      ['--oauth-audience', '<aud>', 'OAUTH_AUDIENCE', 'audience to request (OAUTH_AUDIENCE)'],
      ['--oauth-auth-method', '<method>', 'OAUTH_AUTH_METHOD', 'client_secret_basic | client_secret_post'],
      ['--codex-home', '<dir>', 'CODEX_HOME', "Codex's home (CODEX_HOME, default ~/.codex)"],
      ['--codex-bin', '<path>', 'CODEX_BIN', 'the real codex executable (CODEX_BIN, default: PATH)'],
      ['--ca-cert-file', '<file>', 'CA_CERT_FILE', 'extra CA certificates (PEM) for the IdP and the gateway (CA_CERT_FILE)'],
    ] as const
  ).map(([name, value, key, what]) => ({ names: [name], value, what, set: setting(key) })),
];

const BY_NAME = new Map(OPTIONS.flatMap((o) => o.names.map((n) => [n, o] as const)));

const usage = (message: string) => new WrapError(message, { hint: 'see codex-wrap --help', exitCode: ExitCode.usage });

/**
 * Applies the flags among `words` to `given`. Before a command (`stopAtUnknown`), reading ends at
 * `--` or at the first word that is not a flag of codex-wrap's: that word and the rest are returned,
 * untouched. After a command, flags may come anywhere and the other words are returned.
 */
function readFlags(words: readonly string[], given: Given, stopAtUnknown: boolean): { rest: string[]; dashDash: boolean } {
  const others: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === '--') {
      if (stopAtUnknown) return { rest: words.slice(i + 1), dashDash: true };
      others.push(...words.slice(i));
      break;
    }
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const name = eq > 0 ? word.slice(0, eq) : word;
    const option = BY_NAME.get(name);
    if (!option) {
      if (stopAtUnknown) return { rest: words.slice(i), dashDash: false };
      others.push(word);
      continue;
    }
    if (!option.value) {
      if (eq > 0) throw usage(`${name} takes no value`);
      option.set(given, '');
      continue;
    }
    const value = eq > 0 ? word.slice(eq + 1) : words[++i];
    if (value === undefined) throw usage(`${name} needs a value: ${name} ${option.value}`);
    option.set(given, value);
  }
  return { rest: others, dashDash: false };
}

/** Parses argv (without node and script). Throws a usage error for malformed wrapper flags. */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Parsed {
  const given: Given = { switches: new Set(), flags: {}, envFiles: [] };
  const { rest, dashDash } = readFlags(argv, given, true);
  // A command name right after `--` is a prompt for Codex (`codex-wrap -- status`).
  const command = !dashDash && (COMMANDS as readonly string[]).includes(rest[0] ?? '') ? (rest[0] as CommandName) : 'codex';
  let json = false;
  let target: string | undefined;
  let dashboard = { port: 0, open: true };
  if (command !== 'codex') {
    // codex-wrap's own commands take its options after them too (`check --verbose`); a later one wins.
    const extra = readFlags(rest.slice(1), given, false).rest;
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
  const has = (s: Switch) => given.switches.has(s);
  const debugEnv = (env.DEBUG ?? '').split(',').some((d) => d.trim() === 'codex-wrap' || d.trim() === '*');
  return {
    command,
    json,
    noCache: has('noCache'),
    flags: given.flags,
    envFiles: given.envFiles,
    target,
    dashboard,
    trustProjectEnv: has('trustProjectEnv') || parseBool(env.CODEX_WRAP_TRUST_PROJECT_ENV ?? '') === true,
    verbose: has('verbose') || has('debug') || debugEnv,
    debug: has('debug'),
    help: has('help'),
    version: has('version'),
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
