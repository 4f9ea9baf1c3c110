/** Small file helpers shared by settings files, config.toml, the token cache and session state. */
import { constants, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from './crypto.js';
import { chmod, close, fchmod, fstat, fsync, lstat, mkdirp, open, read, rename, unlink, writeFile } from './fs.js';

/**
 * Writes `text` to `path` atomically (temp file in the same directory, rename) with `mode`;
 * `durable` adds an fsync before the rename, for files a crash must not empty. The temp file is
 * removed whatever fails (a full disk left `.XXXX.codex-wrap.tmp` files behind, issue #10).
 * `stillCurrent`, checked just before the rename, can call the write off (returns false): someone
 * else (Codex) changed the file since it was read.
 */
export async function writeAtomic(
  path: string,
  text: string,
  mode: number,
  options: { durable?: boolean; stillCurrent?: () => Promise<boolean> } = {},
): Promise<boolean> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.codex-wrap.tmp`);
  let renamed = false;
  try {
    const fd = await open(tmp, 'wx', mode);
    try {
      await writeFile(fd, text, 'utf8');
      await fchmod(fd, mode);
      if (options.durable ?? true) await fsync(fd);
    } finally {
      await close(fd);
    }
    if (options.stillCurrent && !(await options.stillCurrent())) return false;
    await rename(tmp, path);
    renamed = true;
    return true;
  } finally {
    if (!renamed) await unlink(tmp).catch(() => {});
  }
}

/** What a failed write means for the user: a full disk, a quota, a read-only file system, permissions. Pure. */
export function describeWriteError(path: string, err: unknown): { message: string; hint: string } {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return { message: `cannot write ${path}: the disk is full`, hint: 'free some space on it, then try again' };
  if (code === 'EDQUOT') return { message: `cannot write ${path}: your disk quota is used up`, hint: 'free some space, then try again' };
  if (code === 'EROFS')
    return { message: `cannot write ${path}: the file system is read-only`, hint: 'point CODEX_HOME at a writable place' };
  if (code === 'EACCES' || code === 'EPERM') {
    return { message: `cannot write ${path}: permission denied`, hint: 'check the permissions of that directory and file' };
  }
  return { message: `cannot write ${path}: ${(err as Error)?.message ?? String(err)}`, hint: 'check that directory and the disk' };
}

/** Why a file read through `readRegular` was refused. */
export class UnreadableFile extends Error {}

/**
 * Reads a regular file through one descriptor: the checks (`accept`) look at the file that is
 * read, not at a name that can be swapped in between. Never blocks on a FIFO, never reads more
 * than `maxBytes`; `follow: false` refuses a symbolic link. Undefined when the file does not exist.
 */
export async function readRegular(
  path: string,
  o: { maxBytes: number; follow: boolean; accept?: (st: Stats) => string | undefined },
): Promise<{ text: string; stats: Stats } | undefined> {
  let fd: number;
  try {
    fd = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (o.follow ? 0 : constants.O_NOFOLLOW));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnreadableFile('it is a symbolic link');
    throw new UnreadableFile(code ?? (err as Error).message);
  }
  try {
    const stats = await fstat(fd);
    if (!stats.isFile()) throw new UnreadableFile('it is not a regular file');
    if (stats.size > o.maxBytes) throw new UnreadableFile(`it is larger than ${o.maxBytes} bytes`);
    const why = o.accept?.(stats);
    if (why) throw new UnreadableFile(why);
    const buf = Buffer.alloc(Math.min(stats.size, o.maxBytes) + 1);
    const { bytesRead } = await read(fd, buf, 0, buf.length, 0);
    if (bytesRead > o.maxBytes) throw new UnreadableFile(`it is larger than ${o.maxBytes} bytes`);
    return { text: buf.subarray(0, bytesRead).toString('utf8'), stats };
  } finally {
    await close(fd);
  }
}

/**
 * Makes `dir` (0700) if missing and says why it cannot be trusted, or undefined if it can: it
 * must be a real directory of this user. Group/other bits on the user's own directory are removed.
 */
export async function privateDir(dir: string, uid: number | undefined): Promise<string | undefined> {
  await mkdirp(dir, 0o700);
  const st = await lstat(dir);
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (uid !== undefined && st.uid !== uid) return `${dir} belongs to another user`;
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return undefined;
}
