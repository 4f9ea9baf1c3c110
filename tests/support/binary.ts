/** Runs the built codex-wrap as a user would: a separate node process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The clone's root: above tests/support/, or above .build/ when a script bundles this file. */
export const ROOT = [fileURLToPath(new URL('../..', import.meta.url)), fileURLToPath(new URL('..', import.meta.url))].find((d) =>
  existsSync(join(d, 'scripts', 'build.mjs')),
) as string;
export const BIN = join(ROOT, 'bin', 'codex-wrap.cjs');

export interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `shebang`: BIN run as a program, through its `#!/usr/bin/env -S …` line, as a shell runs it;
 * otherwise `node BIN`. `job`: in a process group of its own, as a shell starts a job (signal the
 * group with process.kill(-pid, …), as a terminal's Ctrl-C does).
 */
export function startBinary(
  args: string[],
  o: { env: Record<string, string | undefined>; cwd: string; shebang?: boolean; job?: boolean },
): { child: ChildProcess; done: Promise<Done>; output(): { stdout: string; stderr: string } } {
  const [cmd, argv] = o.shebang ? [BIN, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(cmd, argv, { cwd: o.cwd, env: o.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: o.job });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const done = new Promise<Done>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

export const runBinary = (args: string[], o: { env: Record<string, string | undefined>; cwd: string; shebang?: boolean }) =>
  startBinary(args, o).done;
