/**
 * The file-system calls codex-wrap makes, as promises — without node:fs/promises, whose loading
 * (with the readline and stream modules it brings) costs every run some 2.5 ms (issue #12):
 * node:fs's own calls through util.promisify, on descriptors where a file is held open.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export const access = promisify(fs.access);
export const chmod = promisify(fs.chmod);
export const close = promisify(fs.close);
export const fchmod = promisify(fs.fchmod);
export const fstat = promisify(fs.fstat);
export const fsync = promisify(fs.fsync);
export const lstat = promisify(fs.lstat);
export const mkdir = promisify(fs.mkdir);
export const open = promisify(fs.open);
export const read = promisify(fs.read);
export const readdir = promisify(fs.readdir);
export const realpath = promisify(fs.realpath);
export const rename = promisify(fs.rename);
export const stat = promisify(fs.stat);
export const unlink = promisify(fs.unlink);
export const writeFile = promisify(fs.writeFile);
