/** Finds the real codex and runs it in the user's terminal. */
import { spawn } from 'node:child_process';
import { existsSync, constants as fsConstants, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Deps, SignalSubscribe } from '../deps.js';
import { ExitCode, WrapError } from '../errors.js';
import { access, realpath } from '../fs.js';
import { exitCodeOf, shouldForward } from './child.js';
import { nativeCodex, type Probe } from './native.js';

const INSTALL_HINT = 'install it with `npm install -g @openai/codex`, or set CODEX_BIN to its path';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * CODEX_BIN, else the first `codex` on PATH that is not codex-wrap itself (someone may have linked
 * `codex` to codex-wrap instead of using an alias).
 */
export async function findCodex(deps: Pick<Deps, 'env' | 'cwd' | 'self'>, codexBin: string | undefined): Promise<string> {
  if (codexBin) {
    const bin = isAbsolute(codexBin) ? codexBin : resolve(deps.cwd, codexBin);
    if (await isExecutable(bin)) return bin;
    throw new WrapError(`CODEX_BIN=${codexBin} is not an executable file`, { hint: INSTALL_HINT, exitCode: ExitCode.codexNotFound });
  }
  const self = new Set(await Promise.all(deps.self.map((p) => realpath(p).catch(() => p))));
  for (const dir of (deps.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'codex');
    if (!(await isExecutable(candidate))) continue;
    const real = await realpath(candidate).catch(() => candidate);
    if (!self.has(real)) return candidate;
  }
  throw new WrapError('the codex executable was not found on PATH', { hint: INSTALL_HINT, exitCode: ExitCode.codexNotFound });
}

/** The real file system, for nativeCodex. */
const realProbe: Probe = {
  exists: existsSync,
  realpath: (path) => realpathSync.native(path),
  read: (path) => readFileSync(path, 'utf8'),
  resolveFrom: (from, request) => {
    try {
      return createRequire(from).resolve(request);
    } catch {
      return undefined;
    }
  },
};

/**
 * How a session's Codex is ended if codex-wrap dies without ending it (SIGKILL, a crash): Codex
 * would otherwise keep running with a dead proxy. Two ways, both with Codex as our own child (its
 * pid, exit code and signals are Codex's own):
 * - `kernel`: Linux's parent-death signal. util-linux's setpriv (≥ 2.33) sets it and execs Codex in
 *   its own place: when codex-wrap ends, the kernel sends Codex SIGTERM. No other process, no pipe,
 *   nothing in the terminal's job to be hit by a Ctrl-C; ~5 ms less start-up than the shell's way
 *   (issue #12). setpriv is taken only from /usr/bin or /bin, a root-owned regular file that others
 *   cannot write and that knows --pdeathsig (older util-linux and busybox do not): never from PATH.
 * - `shell` (macOS, no usable setpriv, or CODEX_WRAP_WATCHDOG=shell): /bin/sh forks a watchdog (a
 *   subshell: a fork of a small process, not of codex-wrap's 40-MB one) and then execs Codex. The
 *   watchdog blocks reading fd 3, a socket from us — no timer, no wake-up — and is deaf to the
 *   terminal's signals (a background command ignores SIGINT and SIGQUIT; the trap adds HUP and
 *   TSTP), so a Ctrl-C that Codex's TUI takes in its stride does not end it. When Codex has ended we
 *   write it a line and it leaves; if we die first, the kernel closes our end, the read meets EOF,
 *   and it sends Codex SIGTERM. Codex gets no fd 3.
 * An exec that fails (the file went since findCodex saw it) is setpriv's or the shell's to say, with
 * 127 or 126.
 */
export type Tether = { kind: 'kernel'; setpriv: string } | { kind: 'shell' };

/** What the decision needs to know of a file, without following a link. */
export interface SystemFile {
  isFile: boolean;
  uid: number;
  mode: number;
  size: number;
  /** The file's bytes; throws when it cannot be read. */
  bytes(): Buffer;
}

const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];
/** util-linux's setpriv is ~80 KB; a larger file there is something else (a multi-call binary). */
const MAX_SETPRIV_BYTES = 1024 * 1024;

/** The tether a session's Codex gets (see Tether). Pure, given `look`. */
export function chooseTether(o: { platform: string; prefer: 'auto' | 'shell'; look: (path: string) => SystemFile | undefined }): Tether {
  if (o.platform !== 'linux' || o.prefer === 'shell') return { kind: 'shell' };
  for (const path of SETPRIV_PATHS) {
    const file = o.look(path);
    if (!file?.isFile || file.uid !== 0 || (file.mode & 0o022) !== 0 || file.size > MAX_SETPRIV_BYTES) continue;
    try {
      if (file.bytes().includes('--pdeathsig')) return { kind: 'kernel', setpriv: path };
    } catch {}
  }
  return { kind: 'shell' };
}

/** The real file system, for chooseTether. */
function lookUp(path: string): SystemFile | undefined {
  try {
    const st = lstatSync(path);
    return { isFile: st.isFile(), uid: st.uid, mode: st.mode, size: st.size, bytes: () => readFileSync(path) };
  } catch {
    return undefined;
  }
}

const WITH_WATCHDOG = `(trap '' INT QUIT TSTP HUP; read _ <&3 || kill -TERM $$) </dev/null >/dev/null 2>&1 &
exec "$@" 3<&-`;

function spawnCodex(bin: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; tether?: Tether }) {
  const { cwd, env, tether } = options;
  if (!tether || process.platform === 'win32') return { child: spawn(bin, args, { cwd, env, stdio: 'inherit' }), done: () => {} };
  if (tether.kind === 'kernel') {
    return { child: spawn(tether.setpriv, ['--pdeathsig', 'TERM', '--', bin, ...args], { cwd, env, stdio: 'inherit' }), done: () => {} };
  }
  const child = spawn('/bin/sh', ['-c', WITH_WATCHDOG, 'codex-wrap', bin, ...args], {
    cwd,
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  });
  const line = child.stdio[3] as Writable;
  line.on('error', () => {}); // the watchdog gone first: nothing to tell it
  (line as Writable & { unref?: () => void }).unref?.();
  return { child, done: () => line.end('\n') };
}

/**
 * Runs Codex with the terminal handed over (stdio inherited) and returns the exit code the wrapper
 * should end with. Signals are sent on once (see shouldForward).
 */
export async function runCodex(options: {
  bin: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string | undefined>;
  onSignal: SignalSubscribe;
  /** Whether stdin is a terminal, asked when a signal comes (see shouldForward). */
  fromTerminal: () => boolean;
  /**
   * A session: Codex depends on us (the proxy), so it must not outlive us. `auto`: the kernel's
   * parent-death signal where it can be had, else the shell's watchdog (see Tether).
   */
  endWithUs?: 'auto' | 'shell';
  /** Called once Codex has been spawned (the proxy accepts connections from then on). */
  onSpawned?: () => void;
  /**
   * Work Codex depends on that is still running (the first grant): if it fails while Codex runs,
   * Codex is ended (SIGTERM) and runCodex rejects with its error once Codex has exited.
   */
  failWith?: Promise<unknown>;
}): Promise<number> {
  // node:child_process, not execa, on this path: the session's start-up pays for every module it
  // loads (issue #12: execa was ~30 ms of it); `check` keeps execa, loaded only when it runs.
  const native = nativeCodex(options.bin, { env: options.env, platform: process.platform, arch: process.arch, fs: realProbe });
  const { child, done } = spawnCodex(native?.bin ?? options.bin, options.args, {
    cwd: options.cwd,
    env: native?.env ?? options.env,
    tether: options.endWithUs && chooseTether({ platform: process.platform, prefer: options.endWithUs, look: lookUp }),
  });
  options.onSpawned?.();
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const unsubscribe = options.onSignal((signal) => {
    if (shouldForward(signal, options.fromTerminal())) child.kill(signal);
  });
  let failure: { error: unknown } | undefined;
  let running = true;
  options.failWith?.catch((error: unknown) => {
    if (!running) return;
    failure = { error };
    child.kill('SIGTERM');
  });
  try {
    const result = await ended;
    running = false;
    if (failure) throw failure.error;
    if (result.error) {
      const code = result.error.code;
      if (code === 'ENOENT') {
        throw new WrapError(`cannot run ${options.bin}: not found`, { hint: INSTALL_HINT, exitCode: ExitCode.codexNotFound });
      }
      throw new WrapError(`cannot run ${options.bin}: ${code ?? result.error.message}`, {
        hint: 'check that CODEX_BIN (or codex on PATH) is an executable you may run',
        exitCode: code === 'EACCES' ? 126 : ExitCode.codexNotFound,
      });
    }
    return exitCodeOf({ exitCode: result.code ?? undefined, signal: result.signal ?? undefined });
  } finally {
    unsubscribe();
    done();
  }
}
