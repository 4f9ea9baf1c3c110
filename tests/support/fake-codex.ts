/** The fake `codex` of the tests (codex-stub.cjs), installed as an executable named `codex`, and helpers to read what it saw. */
import { createHash } from 'node:crypto';
import { chmod, copyFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

export interface FakeCodexReport {
  /** Date.now() when it started. */
  startedAt: number;
  argv: string[];
  cwd: string;
  /** The process that started it: codex-wrap, or the npm script in between. */
  ppid: number;
  keySet: boolean;
  envHashes: string[];
  envNames: string[];
  signals: string[];
  /** What its fd 3 is (a readlink of /proc/self/fd/3), or null. */
  fd3: string | null;
  /** `request` mode: what the base_url answered. */
  answer?: { status: number; text: string };
}

export async function writeFakeCodex(): Promise<{ dir: string; bin: string }> {
  const dir = await tempDir('fake-codex-');
  const bin = join(dir, 'codex');
  await copyFile(fileURLToPath(new URL('./codex-stub.cjs', import.meta.url)), bin);
  await chmod(bin, 0o755);
  return { dir, bin };
}

/** The text of the output_text deltas in a Responses SSE answer: the stub's own parser. */
export const deltasOf: (sse: string) => string = createRequire(import.meta.url)('./codex-stub.cjs').deltasOf;

export const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** Waits (up to 5 s) until the fake codex has written its report, i.e. it is running. */
export async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 100 && !(await readFile(path, 'utf8').catch(() => '')); i++) await sleep(50);
}

/** `promise`'s value, or `fallback` after `ms`; the timer does not outlive the race. */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  const ac = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, fallback, { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
