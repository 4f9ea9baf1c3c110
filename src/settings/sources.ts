/**
 * Reads the settings sources (I/O) and hands them to settings.ts as layers, highest first. Only
 * what the user controls is read: flags, the environment, `--env-file` files, the user file, and
 * the project's `.codex-wrap.env` once the user approved that exact file (issue #8).
 */
import { join, resolve as resolvePath } from 'node:path';
import { ExitCode, WrapError } from '../errors.js';
import { readRegular, UnreadableFile } from '../files.js';
import { realpath } from '../fs.js';
import { loadDotenv } from '../lazy.js';
import { approvalOf, contentHash, PROJECT_FILE } from './allow.js';
import { allowDir, userEnvFile } from './paths.js';
import type { Layer } from './resolve.js';

type Env = Readonly<Record<string, string | undefined>>;

/** No settings file is anywhere near this size; a larger one is a mistake (or /dev/zero). */
export const MAX_SETTINGS_FILE = 256 * 1024;

/** A file the user named or owns: symlinks are followed (dotfile managers), errors stop the run. */
async function readUserFile(path: string, what: string): Promise<{ text: string; mode: number } | undefined> {
  try {
    const file = await readRegular(path, { maxBytes: MAX_SETTINGS_FILE, follow: true });
    return file && { text: file.text, mode: file.stats.mode };
  } catch (err) {
    throw new WrapError(`cannot read ${what} ${path}: ${err instanceof UnreadableFile ? err.message : (err as Error).message}`, {
      hint: 'point it at a small text file of KEY=value lines',
      exitCode: ExitCode.usage,
      cause: err,
    });
  }
}

/** A secret in a file others can read: said once, as ssh does for keys. Pure. */
export function exposedSecret(path: string, values: Record<string, string>, mode: number): string | undefined {
  if (!values.OAUTH_CLIENT_SECRET || (mode & 0o077) === 0) return undefined;
  return (
    `warning: ${path} holds OAUTH_CLIENT_SECRET and other users may read it (mode ${(mode & 0o777).toString(8).padStart(4, '0')}) — ` +
    `run chmod 600 ${path}`
  );
}

/**
 * The project's `.codex-wrap.env`, if approved; otherwise a notice saying why it is ignored and how
 * to use it. Never follows a symlink: a repository could point it at the user's own secrets.
 */
async function readProjectFile(options: { cwd: string; approvals: string; uid?: number }): Promise<{ layer?: Layer; notice?: string }> {
  const path = join(await realpath(options.cwd).catch(() => options.cwd), PROJECT_FILE);
  let file: Awaited<ReturnType<typeof readRegular>>;
  try {
    file = await readRegular(path, { maxBytes: MAX_SETTINGS_FILE, follow: false });
  } catch (err) {
    return { notice: `ignoring ${path}: ${err instanceof UnreadableFile ? err.message : (err as Error).message}` };
  }
  if (!file) return {};
  const approval = await approvalOf(options.approvals, path, contentHash(file.text), options.uid);
  if (approval === 'approved') return { layer: { kind: 'project', label: path, values: (await loadDotenv()).parse(file.text) } };
  const why = approval === 'changed' ? 'it changed since you approved it' : 'you have not approved it';
  return { notice: `ignoring ${path} (${why}) — read it, then run \`codex-wrap allow\` to use it` };
}

export interface Sources {
  /** In merge order (see `resolve` in settings.ts). */
  layers: Layer[];
  /** One line each, for stderr: a project file ignored, a secret file others can read. */
  notices: string[];
}

export async function readLayers(options: {
  flags: Layer['values'];
  env: Env;
  cwd: string;
  home: string;
  envFiles: readonly string[];
  uid?: number;
}): Promise<Sources> {
  const layers: Layer[] = [
    { kind: 'flag', label: 'a command-line flag', values: options.flags },
    { kind: 'env', label: 'the environment', values: options.env },
  ];
  const notices: string[] = [];
  const fileLayer = async (kind: Layer['kind'], path: string, what: string) => {
    const file = await readUserFile(path, what);
    if (!file) return undefined;
    const values = (await loadDotenv()).parse(file.text);
    const exposed = exposedSecret(path, values, file.mode);
    if (exposed) notices.push(exposed);
    return { kind, label: path, values };
  };
  // Repeated --env-file: a later file wins over an earlier one.
  for (const name of [...options.envFiles].reverse()) {
    const path = resolvePath(options.cwd, name);
    const layer = await fileLayer('env-file', path, '--env-file');
    if (!layer) {
      throw new WrapError(`--env-file ${name}: no such file`, {
        hint: 'check the path (it is relative to the current directory)',
        exitCode: ExitCode.usage,
      });
    }
    layers.push(layer);
  }
  const project = await readProjectFile({ cwd: options.cwd, approvals: allowDir(options.env, options.home), uid: options.uid });
  if (project.layer) layers.push(project.layer);
  if (project.notice) notices.push(project.notice);
  const user = await fileLayer('user', userEnvFile(options.env, options.home), 'the user file');
  if (user) layers.push(user);
  return { layers, notices };
}
