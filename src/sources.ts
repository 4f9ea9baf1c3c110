/** Reads the settings sources (I/O) and hands them to settings.ts as layers, highest first. */
import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ExitCode, WrapError } from './errors.js';
import { configDir } from './paths.js';
import type { Layer } from './settings.js';

type Env = Readonly<Record<string, string | undefined>>;

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WrapError(`cannot read ${path}: ${(err as Error).message}`, {
      hint: 'check its permissions, or remove it',
      exitCode: ExitCode.usage,
      cause: err,
    });
  }
}

export const userEnvFile = (env: Env, home: string): string => join(configDir(env, home), '.env');

/** The layers in merge order (see `resolve` in settings.ts). */
export async function readLayers(opts: {
  flags: Layer['values'];
  env: Env;
  cwd: string;
  home: string;
  envFile?: string;
}): Promise<Layer[]> {
  const layers: Layer[] = [
    { kind: 'flag', label: 'a command-line flag', values: opts.flags },
    { kind: 'env', label: 'the environment', values: opts.env },
  ];
  if (opts.envFile) {
    const path = resolvePath(opts.cwd, opts.envFile);
    const text = await readOptional(path);
    if (text === undefined) {
      throw new WrapError(`--env-file ${opts.envFile}: no such file`, {
        hint: 'check the path (it is relative to the current directory)',
        exitCode: ExitCode.usage,
      });
    }
    layers.push({ kind: 'env-file', label: path, values: parseDotenv(text) });
  }
  const projectPath = join(opts.cwd, '.env');
  const project = await readOptional(projectPath);
  if (project !== undefined) layers.push({ kind: 'project', label: projectPath, values: parseDotenv(project) });
  const userPath = userEnvFile(opts.env, opts.home);
  const user = await readOptional(userPath);
  if (user !== undefined) layers.push({ kind: 'user', label: userPath, values: parseDotenv(user) });
  return layers;
}
