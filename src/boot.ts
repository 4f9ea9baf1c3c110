/**
 * The launcher, bin/codex-wrap.cjs once built (scripts/build.mjs adds its shebang): runs the bundle, dist/cli.cjs,
 * with V8's code cache — what Node 22's module.enableCompileCache() does, which Node 20 lacks.
 * Compiling the bundle costs every run 10–15 ms; from the cache, about one (issue #12).
 *
 * One cache file per bundle and Node version, in codex-wrap's cache dir (0700 and this user's;
 * a file that is a link, not a regular file, someone else's or writable by others is not used).
 * V8 refuses a cache made by another V8 or with other flags (cachedDataRejected); the bundle's
 * hash in the file name keeps a rebuilt bundle from meeting another one's code. A missing or
 * refused cache is written when the run ends, when it holds every function the run compiled,
 * atomically, replacing older builds' files. Whatever fails, the bundle is compiled as usual.
 * NODE_DISABLE_COMPILE_CACHE=1 (Node 22's switch) turns it off.
 *
 * V8 keeps what the run that wrote it compiled, so the file's header records which parts of
 * codex-wrap that was (run-parts.ts, reported by the bundle): a run that went through a part the
 * cache lacks writes it again, with its own code added (cacheUpdate). Without it the first run
 * after an install decided for good: after a `--help`, every session compiled its own code
 * (issue #12: `exec` 2.5–3 ms longer, 60 interleaved rounds).
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { mkdirpSync } from './mkdirp.js';
import { homeDir } from './os.js';
import { partBit, RUN_PART_EVENT, type RunPart } from './run-parts.js';
import { cacheDir } from './settings/paths.js';

declare const CODEX_WRAP_BUNDLE_HASH: string;

type Env = Readonly<Record<string, string | undefined>>;

const MAX_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Where the code cache of one of this build's files lives under this Node: `cli` (the bundle) or
 * `lib-<name>` (a library in dist/lib/, loaded on first use); undefined when it is turned off. Pure.
 */
export function codeCachePath(
  env: Env,
  home: string,
  o: { bundleHash: string; node: string; arch: string },
  name = 'cli',
): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  return join(cacheDir(env, home), 'v8', `${name}${buildSuffix(o)}`);
}

/** What the names of one build's cache files under one Node end with. Pure. */
const buildSuffix = (o: { bundleHash: string; node: string; arch: string }) => `-${o.bundleHash}-${o.node}-${o.arch}.cache`;

/** A cache file: V8's data, and the run parts (run-parts.ts, as bits) whose code it holds. */
export interface CacheFile {
  covers: number;
  data: Buffer;
}

const MAGIC = Buffer.from('cwc1');

/** A cache file's bytes: MAGIC, a byte of run parts, V8's data. Pure. */
export const cacheFileBytes = (file: CacheFile): Buffer => Buffer.concat([MAGIC, Buffer.from([file.covers]), file.data]);

/** The cache file in `bytes`; undefined when they are not one (another format: it is replaced). Pure. */
export function parseCacheFile(bytes: Buffer): CacheFile | undefined {
  if (bytes.length <= MAGIC.length + 1 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return { covers: bytes[MAGIC.length], data: bytes.subarray(MAGIC.length + 1) };
}

/**
 * What to write when a run ends; undefined: nothing. Pure but for `fresh` (V8's data now: the
 * cache's functions and those this run compiled; 1–3 ms, so asked for only when it is written).
 * - No cache, or one V8 refused: this run's.
 * - A cache without a part this run went through: this run's, which holds the cache's code and
 *   the part's; but if it is not larger (V8 drops the compiled form of functions a long run has
 *   not used for a while), the cache's own data, marked as holding the part — either way one
 *   write per part and build.
 * - Otherwise nothing.
 */
export function cacheUpdate(o: { old: CacheFile | undefined; rejected: boolean; ran: number; fresh: () => Buffer }): CacheFile | undefined {
  if (!o.old || o.rejected) return { covers: o.ran, data: o.fresh() };
  if ((o.ran & ~o.old.covers) === 0) return undefined;
  const data = o.fresh();
  return { covers: o.old.covers | o.ran, data: data.length > o.old.data.length ? data : o.old.data };
}

/** Whether only this user can change `dir` (and its parent, codex-wrap's cache dir). */
function ownDir(dir: string, uid: number | undefined): boolean {
  return [dirname(dir), dir].every((d) => {
    const st = lstatSync(d);
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
  });
}

/** The cache file's bytes, if it is one this user wrote; undefined otherwise. */
function readCache(file: string, uid: number | undefined): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!ownDir(dirname(file), uid)) return undefined;
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0 || st.size > MAX_CACHE_BYTES) return undefined;
    const data = Buffer.allocUnsafe(st.size);
    for (let got = 0; got < st.size; ) {
      const n = readSync(fd, data, got, st.size - got, got);
      if (n <= 0) return undefined;
      got += n;
    }
    return data;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes a cache file (temp file, rename) and removes the cache files of other builds or Node
 * versions (names not ending in `suffix`); a failure only means no cache.
 */
function writeCache(file: string, data: Buffer, uid: number | undefined, suffix: string): void {
  const dir = dirname(file);
  const tmp = join(dir, `.${process.pid}.tmp`);
  try {
    mkdirpSync(dir, 0o700);
    if (!ownDir(dir, uid)) return;
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
    for (const name of readdirSync(dir)) if (name.endsWith('.cache') && !name.endsWith(suffix)) unlinkSync(join(dir, name));
  } catch {
    try {
      unlinkSync(tmp);
    } catch {}
  }
}

type Require = NodeJS.Require;

/**
 * Runs a CommonJS file as Node would (module, exports, require, __filename, __dirname), compiled
 * from its cache when there is one; when the run ends, the cache is written as cacheUpdate says —
 * with the run parts the bundle reports when `parts` (the bundle's cache), else only when missing
 * or refused (a library's: the same code each time it is loaded).
 */
function runCached(
  path: string,
  o: { cache?: string; uid?: number; suffix: string; parts: boolean; require: Require; module: NodeModule },
) {
  const bytes = o.cache ? readCache(o.cache, o.uid) : undefined;
  const old = bytes && parseCacheFile(bytes);
  const source = readFileSync(path, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: path,
    cachedData: old?.data,
  });
  const { cache } = o;
  if (cache) {
    let ran = 0;
    if (o.parts) {
      process.on(RUN_PART_EVENT, (part: RunPart) => {
        ran |= partBit(part);
      });
    }
    process.once('exit', () => {
      const update = cacheUpdate({ old, rejected: script.cachedDataRejected === true, ran, fresh: () => script.createCachedData() });
      if (update) writeCache(cache, cacheFileBytes(update), o.uid, o.suffix);
    });
  }
  script.runInThisContext()(o.module.exports, o.require, o.module, path, dirname(path));
}

/** The bundle's libraries (dist/lib/*.cjs), as its code requires them (scripts/build.mjs). */
const LIBRARY = /^\.\/lib\/([\w.-]+)\.cjs$/;

/**
 * Runs the bundle, compiled from the cache when there is one. Its `require` gives the libraries
 * it loads on first use (undici, openid-client, proper-lockfile: a start that needs a grant; execa
 * for `check`…) the same treatment, each with a cache file of its own: undici alone took ~29 ms to
 * load from source and ~18 ms from its cache, where the rest of its load is running its top level.
 */
export function boot(): void {
  const bundle = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
  const uid = process.getuid?.();
  const build = { bundleHash: CODEX_WRAP_BUNDLE_HASH, node: process.version, arch: process.arch };
  const suffix = buildSuffix(build);
  const home = homeDir(process.env);
  const plain = createRequire(bundle);
  const library = (id: string): unknown => {
    const name = LIBRARY.exec(id)?.[1];
    if (!name) return plain(id);
    const path = join(dirname(bundle), 'lib', `${name}.cjs`);
    const known = plain.cache[path];
    if (known) return known.exports;
    // A Module of Node's own, in require.cache: to the rest of the process it is a required file.
    const module = new Module(path, undefined);
    module.filename = path;
    module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(path));
    plain.cache[path] = module;
    try {
      runCached(path, {
        cache: codeCachePath(process.env, home, build, `lib-${name}`),
        uid,
        suffix,
        parts: false,
        require: createRequire(path),
        module,
      });
    } catch (err) {
      delete plain.cache[path];
      throw err;
    }
    module.loaded = true;
    return module.exports;
  };
  const require = Object.assign(library, plain) as Require;
  const module = new Module(bundle, undefined);
  runCached(bundle, { cache: codeCachePath(process.env, home, build), uid, suffix, parts: true, require, module });
}
