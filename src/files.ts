/** Small file helpers shared by config.toml, the token cache and session state. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes `text` to `path` atomically (temp file in the same directory, rename) with `mode`;
 * `durable` adds an fsync before the rename, for files a crash must not empty (config.toml).
 */
export async function writeAtomic(path: string, text: string, mode: number, durable = true): Promise<void> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.codex-wrap.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.chmod(mode);
    if (durable) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
