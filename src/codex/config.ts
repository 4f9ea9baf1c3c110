/**
 * codex-wrap's own Codex config file, `$CODEX_HOME/codex-wrap.config.toml`: the profile that
 * `codex -p codex-wrap` layers over config.toml (CODEX-FACTS.md). config.toml stays the user's, so
 * plain `codex` is unchanged by codex-wrap (issue #9); the one exception is repairing a config.toml
 * that an earlier codex-wrap pointed at itself. Codex writes the active profile's file itself (a
 * model chosen with /model), so the profile is patched, never regenerated: those edits are kept.
 */

import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ExitCode, WrapError } from '../errors.js';
import { describeWriteError, readRegular, writeAtomic } from '../files.js';
import { mkdirp, realpath, stat } from '../fs.js';
import { loadToml, type Toml } from '../lazy.js';

export const PROVIDER_ID = 'codex-wrap';
export const KEY_ENV = 'CUSTOM_LLM_API_KEY';

export interface Provider {
  name: string;
  base_url: string;
  env_key: string;
  env_key_instructions: string;
  wire_api: 'responses';
}

/** The provider table of CODEX-FACTS.md. No max-tokens key: Codex 0.171 has none. */
export function providerTable(baseUrl: string): Provider {
  return {
    name: 'Enterprise LLM (codex-wrap)',
    base_url: baseUrl,
    env_key: KEY_ENV,
    env_key_instructions: 'Start Codex through codex-wrap.',
    wire_api: 'responses',
  };
}

/** The profile codex-wrap sessions select with `-p`, and the file it lives in. */
export const PROFILE = 'codex-wrap';
export const profileFile = (codexHome: string) => join(codexHome, `${PROFILE}.config.toml`);

/**
 * The provider the profile file names: the gateway, or a placeholder for a mock session without
 * one. A session pins the address it really uses (the proxy's, or the gateway) on Codex's command
 * line, so concurrent sessions never redirect each other. Pure.
 */
export function profileProvider(settings: { baseUrl?: URL }): Provider {
  return providerTable(settings.baseUrl?.href ?? 'http://127.0.0.1/v1');
}

type Doc = Record<string, unknown>;

/** Key order does not matter to TOML, so it does not matter here. */
function isDeepEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

function wanted(doc: Doc, model: string, provider: Provider): Doc {
  const providers = { ...((doc.model_providers as Doc | undefined) ?? {}) };
  const ours = { ...((providers[PROVIDER_ID] as Doc | undefined) ?? {}), ...provider };
  return { ...doc, model, model_provider: PROVIDER_ID, model_providers: { ...providers, [PROVIDER_ID]: ours } };
}

export function parseToml(toml: Toml, source: string, path: string): Doc {
  try {
    return toml.parse(source) as Doc;
  } catch (err) {
    const e = err as { line?: unknown; column?: unknown };
    const where = typeof e.line === 'number' ? ` at line ${e.line}, column ${e.column}` : '';
    throw new WrapError(`${path} is not valid TOML${where}; it was left untouched`, {
      hint: 'fix or move that file, then run codex-wrap again',
      exitCode: ExitCode.codexConfig,
      cause: err,
    });
  }
}

/**
 * The new text of a Codex config file (codex-wrap's profile), or the same string when nothing changes. Pure.
 * Our table is appended as a real `[model_providers.codex-wrap]` section when missing (the patch
 * library would otherwise write it as an inline table), then patched like every other key.
 * Keys the user added to our table (e.g. request_max_retries) are kept.
 */
export function renderCodexConfig(toml: Toml, source: string, model: string, provider: Provider, path = 'config.toml'): string {
  const { parse, patch, stringify } = toml;
  const doc = parseToml(toml, source, path);
  const target = wanted(doc, model, provider);
  if (isDeepEqual(doc, target)) return source;

  const providers = doc.model_providers as Doc | undefined;
  const hasTable = providers !== undefined && typeof providers === 'object' && PROVIDER_ID in providers;
  const candidates: string[] = [];
  if (!hasTable && (providers === undefined || isPlainTableSafe(source))) {
    const sep = source === '' || source.endsWith('\n\n') ? '' : source.endsWith('\n') ? '\n' : '\n\n';
    candidates.push(`${source + sep + stringify({ model_providers: { [PROVIDER_ID]: provider } })}\n`);
  } else {
    candidates.push(source);
  }
  candidates.push(source);
  for (const base of candidates) {
    let out: string;
    try {
      out = patch(base, target);
    } catch {
      continue;
    }
    try {
      if (isDeepEqual(parse(out), target)) return out;
    } catch {
      // The patched text did not parse: try the next way.
    }
  }
  throw new WrapError(`cannot update ${path} without changing the user's settings; it was left untouched`, {
    hint: `add a [model_providers.${PROVIDER_ID}] table to it by hand (see the README), or report this`,
    exitCode: ExitCode.codexConfig,
  });
}

/** model_providers defined inline (`model_providers = {...}`) cannot take a new [section]. */
function isPlainTableSafe(source: string): boolean {
  return !/^\s*model_providers\s*=/m.test(source);
}

/** Far above any real config.toml; a larger one is not something to rewrite. */
const MAX_CONFIG_FILE = 8 * 1024 * 1024;

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/** Creates CODEX_HOME (0700) if missing; Codex refuses to start without it. */
export async function ensureCodexHome(codexHome: string): Promise<void> {
  try {
    await mkdirp(codexHome, 0o700);
  } catch (err) {
    throw new WrapError(`cannot create CODEX_HOME ${codexHome}: ${(err as Error).message}`, {
      hint: 'set CODEX_HOME to a directory you can write',
      exitCode: ExitCode.codexConfig,
      cause: err,
    });
  }
}

export interface ConfigPlan {
  /** $CODEX_HOME/codex-wrap.config.toml, as the user names it. */
  link: string;
  /** Where the bytes live (a symlinked file, from dotfile managers, is followed). */
  path: string;
  before?: string;
  after: string;
  outcome: WriteOutcome;
}

const readConfig = async (path: string) => (await readRegular(path, { maxBytes: MAX_CONFIG_FILE, follow: true }))?.text;

/**
 * The profile file as codex-wrap creates it (what the TOML libraries write from nothing). A file
 * that still reads exactly so is up to date, which a session sees without loading them (issue #12:
 * 10–13 ms of every start). Pure.
 */
export function freshProfile(model: string, provider: Provider): string {
  const str = (v: string) => JSON.stringify(v);
  const table = Object.entries(provider).map(([k, v]) => `${k} = ${str(v)}`);
  return `model = ${str(model)}\nmodel_provider = ${str(PROVIDER_ID)}\n\n[model_providers.${PROVIDER_ID}]\n${table.join('\n')}\n\n`;
}

/** What writing the profile would do, without writing: for the run, `check` and `print-config`. */
export async function planProfile(codexHome: string, model: string, provider: Provider): Promise<ConfigPlan> {
  const link = profileFile(codexHome);
  const path = await realpath(link).catch(() => link);
  const before = await readConfig(path);
  if (before !== undefined && before === freshProfile(model, provider)) return { link, path, before, after: before, outcome: 'unchanged' };
  const after = renderCodexConfig(await loadToml(), before ?? '', model, provider, path);
  const outcome = before === undefined ? 'created' : after === before ? 'unchanged' : 'updated';
  return { link, path, before, after, outcome };
}

/**
 * Why codex-wrap must not replace this existing file, or undefined: a file of another user (a
 * link followed as root would hand it to root), or one its owner made read-only. Pure.
 */
export function untouchable(st: { uid: number; mode: number }, path: string, uid: number | undefined): string | undefined {
  if (uid !== undefined && st.uid !== uid) return `${path} belongs to another user; codex-wrap will not change it`;
  if ((st.mode & 0o200) === 0)
    return `${path} is read-only (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); codex-wrap leaves it alone`;
  return undefined;
}

/**
 * Replaces `path` with `text` (atomic, fsync), keeping the mode of the file it replaces (0600 when
 * new). False, and nothing written, when the file no longer holds `before` (Codex wrote it meanwhile).
 */
async function replaceFile(path: string, text: string, before: string | undefined, uid: number | undefined): Promise<boolean> {
  const existed = before !== undefined;
  let mode = 0o600;
  if (existed) {
    const st = await stat(path);
    const why = untouchable(st, path, uid);
    if (why)
      throw new WrapError(why, { hint: 'make it a writable file of yours, or point CODEX_HOME elsewhere', exitCode: ExitCode.codexConfig });
    mode = st.mode & 0o777;
  }
  return writeAtomic(path, text, mode, { stillCurrent: async () => (await readConfig(path)) === before });
}

const cannotWrite = (path: string, err: unknown) =>
  err instanceof WrapError
    ? err
    : new WrapError(describeWriteError(path, err).message, {
        ...describeWriteError(path, err),
        exitCode: ExitCode.codexConfig,
        cause: err,
      });

/** How often a write is planned again when Codex changed the file between our read and our rename. */
const WRITE_ATTEMPTS = 3;

/** Writes the profile file, only when something changes. A crash leaves the old file or the new one. */
export async function writeProfile(codexHome: string, model: string, provider: Provider, uid?: number): Promise<WriteOutcome> {
  await ensureCodexHome(codexHome);
  try {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const plan = await planProfile(codexHome, model, provider);
      if (plan.outcome === 'unchanged' || (await replaceFile(plan.path, plan.after, plan.before, uid))) return plan.outcome;
    }
  } catch (err) {
    throw cannotWrite(profileFile(codexHome), err);
  }
  throw new WrapError(`${profileFile(codexHome)} kept changing while codex-wrap updated it`, {
    hint: 'something else keeps writing it; try again',
    exitCode: ExitCode.codexConfig,
  });
}

/**
 * config.toml without the top-level `model_provider = "codex-wrap"` (and `model = "<model>"`) that
 * codex-wrap before 0.2 wrote, which made plain `codex` need codex-wrap; undefined when there is
 * nothing to repair. Only those lines go: every other byte, comment and table stays. Pure.
 */
export function repairedConfig(toml: Toml, source: string, model: string, path: string): string | undefined {
  const doc = parseToml(toml, source, path);
  if (doc.model_provider !== PROVIDER_ID) return undefined;
  const want = { ...doc };
  delete want.model_provider;
  if (want.model === model) delete want.model;
  const tables = source.search(/^[ \t]*\[/m);
  let head = tables < 0 ? source : source.slice(0, tables);
  for (const [key, value] of [
    ['model_provider', PROVIDER_ID],
    ['model', model],
  ]) {
    head = head.replace(new RegExp(`^[ \\t]*${key}[ \\t]*=[ \\t]*${escapeRegExp(JSON.stringify(value))}[ \\t]*(#.*)?(\\r?\\n|$)`, 'm'), '');
  }
  const repaired = head + source.slice(tables < 0 ? source.length : tables);
  return isDeepEqual(toml.parse(repaired), want) ? repaired : undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Repairs config.toml once if an earlier codex-wrap pointed it at itself; says what it did. */
export async function repairConfigToml(codexHome: string, model: string, uid?: number): Promise<string | undefined> {
  const link = join(codexHome, 'config.toml');
  const path = await realpath(link).catch(() => link);
  try {
    const before = await readConfig(path);
    if (before === undefined || !before.includes(PROVIDER_ID)) return undefined;
    const after = repairedConfig(await loadToml(), before, model, path);
    if (after === undefined) return undefined;
    if (!(await replaceFile(path, after, before, uid))) return undefined; // Codex wrote it meanwhile: next time
    return `repaired ${link}: removed the model_provider = "${PROVIDER_ID}" an earlier codex-wrap set there, so plain codex uses your own settings again`;
  } catch (err) {
    throw cannotWrite(link, err);
  }
}
