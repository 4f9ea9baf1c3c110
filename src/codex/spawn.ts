/** Finds the real codex and runs it in the user's terminal. */
import { spawn } from 'node:child_process';
import { existsSync, constants as fsConstants, readFileSync, realpathSync } from 'node:fs';
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
 * A session's Codex, started with a watchdog that ends it if codex-wrap dies without ending it
 * (SIGKILL, a crash): Codex would otherwise keep running with a dead proxy, on Linux and macOS
 * alike (no PR_SET_PDEATHSIG there). /bin/sh forks the watchdog (a subshell: a fork of a small
 * process, not of codex-wrap's 40-MB one, issue #12) and then execs Codex in its own place, so Codex
 * is our child as before: its pid, exit code and signals are Codex's own, and it gets no fd 3.
 * The watchdog blocks reading fd 3, a socket from us — no timer, no wake-up — and is deaf to the
 * terminal's signals (a background command ignores SIGINT and SIGQUIT; the trap adds HUP and TSTP):
 * a Ctrl-C that Codex's TUI takes in its stride no longer ends it, as it ended the watchdog that
 * codex-wrap used to spawn itself. When Codex has ended we write it a line and it leaves; if we
 * die first, the kernel closes our end, the read meets EOF, and it sends Codex SIGTERM. An exec
 * that fails (the file went since findCodex saw it) is the shell's to say, with 127 or 126.
 */
const WITH_WATCHDOG = `(trap '' INT QUIT TSTP HUP; read _ <&3 || kill -TERM $$) </dev/null >/dev/null 2>&1 &
exec "$@" 3<&-`;

function spawnCodex(bin: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; endWithUs?: boolean }) {
  const { cwd, env } = options;
  if (!options.endWithUs || process.platform === 'win32')
    return { child: spawn(bin, args, { cwd, env, stdio: 'inherit' }), done: () => {} };
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
  fromTerminal: boolean;
  /** A session: Codex depends on us (the proxy), so it must not outlive us. */
  endWithUs?: boolean;
}): Promise<number> {
  // node:child_process, not execa, on this path: the session's start-up pays for every module it
  // loads (issue #12: execa was ~30 ms of it); `check` keeps execa, loaded only when it runs.
  const native = nativeCodex(options.bin, { env: options.env, platform: process.platform, arch: process.arch, fs: realProbe });
  const { child, done } = spawnCodex(native?.bin ?? options.bin, options.args, {
    cwd: options.cwd,
    env: native?.env ?? options.env,
    endWithUs: options.endWithUs,
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
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
    done();
  }
}
