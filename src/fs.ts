/**
 * The file-system calls codex-wrap makes, as promises — without node:fs/promises, whose loading
 * (with the readline and stream modules it brings) costs every run some 2.5 ms (issue #12).
 * Reads, look-ups and mkdir of local files run at once (node:fs's synchronous calls, errors as
 * rejections): a trip through the thread pool costs more than such a call, and a session makes some
 * twenty before Codex starts. Writes, which may wait on the disk (fsync), go through the thread
 * pool (node:fs's calls through util.promisify), so a proxy streaming an answer never waits on them.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { mkdirpSync } from './mkdirp.js';

/** `fn` as an async function: the call is made at once; a throw becomes a rejection. */
const now =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  async (...args: A): Promise<R> =>
    fn(...args);

export const access = now(fs.accessSync);
export const close = now(fs.closeSync);
export const fstat = now((fd: number) => fs.fstatSync(fd));
export const lstat = now((path: string) => fs.lstatSync(path));
export const open = now((path: string, flags: number | string, mode?: number) => fs.openSync(path, flags, mode));
export const read = now((fd: number, buffer: Buffer, offset: number, length: number, position: number | null) => ({
  bytesRead: fs.readSync(fd, buffer, offset, length, position),
  buffer,
}));
export const readdir = now((path: string) => fs.readdirSync(path));
/** The C library's realpath: node:fs's own walks the path in JS, an lstat per part (~0.5 ms the first time). */
export const realpath = now((path: string) => fs.realpathSync.native(path));
export const stat = now((path: string) => fs.statSync(path));
/** `mkdir -p` (src/mkdirp.ts says why not node:fs's `recursive`). */
export const mkdirp = now(mkdirpSync);

export const chmod = promisify(fs.chmod);
export const fchmod = promisify(fs.fchmod);
export const fsync = promisify(fs.fsync);
export const rename = promisify(fs.rename);
export const unlink = promisify(fs.unlink);
export const writeFile = promisify(fs.writeFile);
