/**
 * `mkdir -p`: each missing directory made in turn, a parent before its child, with `mode`.
 * Not node:fs's `recursive: true`, which on Node 20 retries forever where mkdir fails with ENOENT
 * under a parent that exists (under /proc, say): codex-wrap would spin at full CPU and never start
 * Codex, for a setting such as XDG_STATE_HOME=/proc/x. Here each level is tried at most twice.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** One mkdir; true if it made the directory or found one there. ENOENT: false (the parent is missing). */
function makeOne(path: string, mode: number): boolean {
  try {
    mkdirSync(path, { mode });
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path).isDirectory()) return true;
    if (code === 'ENOENT' && dirname(path) !== path) return false;
    throw err;
  }
}

export function mkdirpSync(path: string, mode: number): void {
  if (makeOne(path, mode)) return;
  mkdirpSync(dirname(path), mode);
  if (!makeOne(path, mode)) mkdirSync(path, { mode }); // ENOENT again under a parent that exists: its error
}
