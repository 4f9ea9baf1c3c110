/** Finds the real codex and runs it in the user's terminal. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, constants as fsConstants, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
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
  realpath: (path) => realpathSync(path),
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
 * A watchdog that ends Codex if codex-wrap dies without ending it (SIGKILL, a crash): Codex would
 * otherwise keep running with a dead proxy, on Linux and macOS alike (no PR_SET_PDEATHSIG there).
 * A shell blocks reading a pipe from us — no timer, no wake-up — and the kernel closes the pipe
 * when we die, whatever killed us; then it sends Codex SIGTERM. On a normal end we kill it first.
 */
function watchOver(pid: number | undefined): ChildProcess | undefined {
  if (pid === undefined) return undefined;
  try {
    const watchdog = spawn('/bin/sh', ['-c', 'read _; kill -TERM "$1" 2>/dev/null', 'codex-wrap-watchdog', String(pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.on('error', () => {});
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    return watchdog;
  } catch {
    return undefined;
  }
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
  fromTerminal: boolean;
  /** A session: Codex depends on us (the proxy), so it must not outlive us. */
  endWithUs?: boolean;
}): Promise<number> {
  // node:child_process, not execa, on this path: the session's start-up pays for every module it
  // loads (issue #12: execa was ~30 ms of it); `check` keeps execa, loaded only when it runs.
  const native = nativeCodex(options.bin, { env: options.env, platform: process.platform, arch: process.arch, fs: realProbe });
  const child = spawn(native?.bin ?? options.bin, options.args, { cwd: options.cwd, env: native?.env ?? options.env, stdio: 'inherit' });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const watchdog = options.endWithUs ? watchOver(child.pid) : undefined;
  const unsubscribe = options.onSignal((signal) => {
    if (shouldForward(signal, options.fromTerminal)) child.kill(signal);
  });
  try {
    const result = await ended;
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
    watchdog?.kill('SIGKILL');
  }
}
