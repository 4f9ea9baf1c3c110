/**
 * Temp dirs for tests, all under one root per test file, removed after the file's tests
 * (tests/support/cleanup.ts registers that for every file).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: Promise<string> | undefined;

export async function tempDir(prefix = 'cw-'): Promise<string> {
  root ??= mkdtemp(join(tmpdir(), 'codex-wrap-test-'));
  return mkdtemp(join(await root, prefix));
}

export async function removeTempDirs(): Promise<void> {
  if (root) await rm(await root, { recursive: true, force: true });
  root = undefined;
}
