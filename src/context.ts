/** What every command that needs settings gets, built once: the settings, the logger, the network. */
import type { Deps } from './deps.js';
import { ExitCode, WrapError } from './errors.js';
import { readRegular } from './files.js';
import type { Logger } from './log.js';
import { createNet, type Net } from './net.js';
import type { Parsed } from './settings/args.js';
import {
  KEYS,
  type Key,
  parseBool,
  type Resolved,
  refusedProjectKeys,
  resolve,
  type Settings,
  spec,
  validate,
} from './settings/resolve.js';
import { runSecretCommand } from './settings/secret-command.js';
import { readLayers } from './settings/sources.js';
import type { Spinner } from './ui.js';

export interface Context {
  deps: Deps;
  args: Parsed;
  settings: Settings;
  resolved: Partial<Record<Key, Resolved>>;
  log: Logger;
  spinner: Spinner;
  /** Closed by main, once, whatever the command did. */
  net: Net;
}

const MAX_CA_FILE = 4 * 1024 * 1024;

async function readCa(path: string, name: string): Promise<string> {
  const fail = (why: string) =>
    new WrapError(`${name}=${path} cannot be read: ${why}`, {
      hint: 'point it at a PEM file of CA certificates',
      exitCode: ExitCode.usage,
    });
  const file = await readRegular(path, { maxBytes: MAX_CA_FILE, follow: true }).catch((err: Error) => {
    throw fail((err as NodeJS.ErrnoException).code ?? err.message);
  });
  if (!file) throw fail('ENOENT');
  return file.text;
}

/** The settings sources of this run (`envFiles`: the --env-file files to read). */
const sourcesOf = (deps: Deps, args: Parsed, envFiles = args.envFiles) =>
  readLayers({ flags: args.flags, env: deps.env, cwd: deps.cwd, home: deps.home, envFiles, uid: deps.uid });

export async function loadContext(deps: Deps, args: Parsed, log: Logger, spinner: Spinner): Promise<Context> {
  const { layers, notices } = await sourcesOf(deps, args);
  // Before anything is validated or printed: a problem could echo a secret from any source.
  for (const layer of layers) log.secret(layer.values.OAUTH_CLIENT_SECRET);
  for (const notice of notices) log.info(notice);
  const resolved = await withSecretFromCommand(resolve(layers), deps);
  log.secret(resolved.OAUTH_CLIENT_SECRET?.value, resolved.OAUTH_CLIENT_ID?.value.trim());
  const settings = validate(resolved, { home: deps.home, trustProject: args.trustProjectEnv });
  // Our connections trust Node's bundled roots, CA_CERT_FILE and NODE_EXTRA_CA_CERTS. Node does not load
  // the latter at start when the launcher runs it (bin/codex-wrap.cjs): it is read here, and, as
  // Node would, a file that cannot be read is only warned about.
  const pems = settings.caFile ? [await readCa(settings.caFile, 'CA_CERT_FILE')] : [];
  const extra = deps.env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    await readCa(extra, 'NODE_EXTRA_CA_CERTS').then(
      (pem) => pems.push(pem),
      (err: Error) => log.warn(`${err.message}; its certificates are not trusted`),
    );
  }
  return { deps, args, settings, resolved, log, spinner, net: createNet(deps.env, pems) };
}

/**
 * The settings as resolved, neither validated nor announced, for what runs without settings: a
 * model-free Codex command, help, version, a `check` whose settings are broken. A source that
 * cannot be read is skipped; a project file's value counts only where the trust rules let it.
 */
export async function resolveQuietly(deps: Deps, args: Parsed): Promise<(key: Key) => string | undefined> {
  const sources = await sourcesOf(deps, args)
    .catch(() => sourcesOf(deps, args, []))
    .catch(() => ({ layers: [{ kind: 'flag' as const, label: 'a command-line flag', values: args.flags }] }));
  const resolved = resolve(sources.layers);
  const refused = new Set(refusedProjectKeys(resolved, args.trustProjectEnv));
  return (key) => (refused.has(key) ? undefined : resolved[key]?.value.trim() || undefined);
}

/**
 * The settings as every source gives them, neither validated nor announced, nor completed by a
 * secret command: what the dashboard shows. Also every secret value a source holds, for redaction.
 */
export async function resolveForDisplay(
  deps: Deps,
  args: Parsed,
): Promise<{ resolved: Partial<Record<Key, Resolved>>; secrets: string[] }> {
  const { layers } = await sourcesOf(deps, args);
  const secrets = layers.flatMap((l) => KEYS.filter((k) => spec(k).secret).map((k) => l.values[k] ?? '')).filter(Boolean);
  const resolved = resolve(layers);
  // Shown as what they are: a project value a session would refuse is not in force.
  for (const key of refusedProjectKeys(resolved, args.trustProjectEnv)) {
    const r = resolved[key] as Resolved;
    resolved[key] = { ...r, from: `${r.from} — refused: needs --trust-project-env` };
  }
  return { resolved, secrets };
}

/**
 * Fills OAUTH_CLIENT_SECRET from OAUTH_CLIENT_SECRET_COMMAND when no secret is set. A project file
 * never gets to run a command (validate reports it); MOCK_MODE needs no secret.
 */
async function withSecretFromCommand(resolved: Partial<Record<Key, Resolved>>, deps: Deps): Promise<Partial<Record<Key, Resolved>>> {
  const command = resolved.OAUTH_CLIENT_SECRET_COMMAND;
  const mock = parseBool(resolved.MOCK_MODE?.value ?? '');
  if (resolved.OAUTH_CLIENT_SECRET || !command?.value.trim() || command.kind === 'project' || mock) return resolved;
  const value = await runSecretCommand(command.value, { cwd: deps.home, env: deps.env });
  const from = `OAUTH_CLIENT_SECRET_COMMAND (from ${command.from})`;
  return { ...resolved, OAUTH_CLIENT_SECRET: { value, from, kind: command.kind } };
}
