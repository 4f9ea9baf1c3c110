/**
 * `codex-wrap allow [PATH]` / `codex-wrap deny [PATH]`: approve (or stop approving) one project's
 * `.codex-wrap.env` with its current content. PATH is the file or its directory (default: here).
 */
import { basename, dirname, join, resolve } from 'node:path';
import type { Deps } from '../deps.js';
import { ExitCode, WrapError } from '../errors.js';
import { readRegular, UnreadableFile } from '../files.js';
import { realpath, stat } from '../fs.js';
import { loadDotenv } from '../lazy.js';
import { approve, contentHash, PROJECT_FILE, revoke } from '../settings/allow.js';
import { allowDir } from '../settings/paths.js';
import { SETTINGS } from '../settings/resolve.js';
import { MAX_SETTINGS_FILE } from '../settings/sources.js';

async function projectFile(deps: Deps, target: string | undefined): Promise<string> {
  const named = resolve(deps.cwd, target ?? '.');
  const isDir = await stat(named).then(
    (st) => st.isDirectory(),
    () => false,
  );
  const file = isDir ? join(named, PROJECT_FILE) : named;
  if (basename(file) !== PROJECT_FILE) {
    throw new WrapError(`${file} is not a ${PROJECT_FILE} file`, {
      hint: `name the project's ${PROJECT_FILE} or its directory`,
      exitCode: ExitCode.usage,
    });
  }
  return join(await realpath(dirname(file)).catch(() => dirname(file)), PROJECT_FILE);
}

/** One line per key the file sets: whether it applies as it is, or needs --trust-project-env. Pure. */
export function describeProjectKeys(values: Record<string, string>): string[] {
  return Object.keys(values).map((k) => {
    const rule = (SETTINGS as Record<string, { project: string } | undefined>)[k]?.project;
    if (rule === 'allowed') return `  ${k}`;
    if (rule === 'trusted') return `  ${k} — only with --trust-project-env (otherwise codex-wrap refuses to start)`;
    if (rule === 'never') return `  ${k} — never from a project file (codex-wrap refuses to start)`;
    return `  ${k} — not a codex-wrap setting (ignored)`;
  });
}

export async function allowProject(deps: Deps, target: string | undefined): Promise<number> {
  const path = await projectFile(deps, target);
  let file: Awaited<ReturnType<typeof readRegular>>;
  try {
    file = await readRegular(path, { maxBytes: MAX_SETTINGS_FILE, follow: false });
  } catch (err) {
    throw new WrapError(`cannot approve ${path}: ${err instanceof UnreadableFile ? err.message : (err as Error).message}`, {
      hint: `make ${PROJECT_FILE} a small regular file (not a link), then run codex-wrap allow again`,
      exitCode: ExitCode.usage,
    });
  }
  if (!file) throw new WrapError(`${path} does not exist`, { hint: 'nothing to approve here', exitCode: ExitCode.usage });
  try {
    await approve(allowDir(deps.env, deps.home), path, contentHash(file.text), deps.uid);
  } catch (err) {
    throw new WrapError(`cannot record the approval: ${(err as Error).message}`, {
      hint: 'check XDG_STATE_HOME (default ~/.local/state)',
      exitCode: ExitCode.usage,
    });
  }
  const keys = describeProjectKeys((await loadDotenv()).parse(file.text));
  deps.stdout(`approved ${path} as it is now; it sets:\n${keys.length ? keys.join('\n') : '  (nothing)'}\n`);
  deps.stdout('codex-wrap reads it while it stays unchanged; after a change it is ignored until you run codex-wrap allow again.\n');
  return ExitCode.ok;
}

export async function denyProject(deps: Deps, target: string | undefined): Promise<number> {
  const path = await projectFile(deps, target);
  const had = await revoke(allowDir(deps.env, deps.home), path);
  deps.stdout(had ? `${path} is no longer approved\n` : `${path} was not approved\n`);
  return ExitCode.ok;
}
