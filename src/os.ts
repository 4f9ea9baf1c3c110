/**
 * node:os, required on first use: most runs never need it (some 0.4 ms to load, issue #12) — only
 * a run without HOME, or one whose Codex a signal ended.
 */
import { createRequire } from 'node:module';

export const nodeOs = (): typeof import('node:os') => createRequire(import.meta.url)('node:os');

/** The user's home: $HOME, else the account's (as os.homedir() would decide it, without loading node:os first). */
export const homeDir = (env: Readonly<Record<string, string | undefined>>): string => env.HOME || nodeOs().homedir();
