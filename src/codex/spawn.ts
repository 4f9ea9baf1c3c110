/** Finds the real codex and runs it in the user's terminal. */
import { access, constants as fsConstants, realpath } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import type { Deps, SignalSubscribe } from '../deps.js';
import { ExitCode, WrapError } from '../errors.js';
import { exitCodeOf, shouldForward } from './child.js';

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
}): Promise<number> {
  const child = execa(options.bin, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdio: 'inherit',
    reject: false,
  });
  const unsubscribe = options.onSignal((signal) => {
    if (shouldForward(signal, options.fromTerminal)) child.kill(signal);
  });
  try {
    const result = await child;
    const code = (result as { code?: string }).code;
    if (result.failed && result.exitCode === undefined && !result.signal) {
      if (code === 'ENOENT') {
        throw new WrapError(`cannot run ${options.bin}: not found`, { hint: INSTALL_HINT, exitCode: ExitCode.codexNotFound });
      }
      throw new WrapError(`cannot run ${options.bin}: ${code ?? result.shortMessage}`, {
        hint: 'check that CODEX_BIN (or codex on PATH) is an executable you may run',
        exitCode: code === 'EACCES' ? 126 : ExitCode.codexNotFound,
      });
    }
    return exitCodeOf({ exitCode: result.exitCode, signal: result.signal });
  } finally {
    unsubscribe();
  }
}
