/**
 * What runs Codex without a session: a model-free Codex command (isModelFree) runs as plain
 * `codex` would — no settings needed, no token, no proxy, no config written, Codex's output and
 * exit code unchanged — and help and version show Codex's, then codex-wrap's (hub's way).
 */
import { codexEnv } from '../codex/child.js';
import { findCodex, runCodex } from '../codex/spawn.js';
import { resolveQuietly } from '../context.js';
import type { Deps } from '../deps.js';
import { ExitCode, WrapError } from '../errors.js';
import type { Parsed } from '../settings/args.js';

/** Runs the real Codex with `args` and the user's environment (and codex-wrap's CODEX_HOME, if set). */
export async function runPlainCodex(deps: Deps, parsed: Parsed, args: readonly string[]): Promise<number> {
  const setting = await resolveQuietly(deps, parsed);
  const bin = await findCodex(deps, setting('CODEX_BIN'));
  const codexHome = setting('CODEX_HOME');
  return runCodex({
    bin,
    args,
    cwd: deps.cwd,
    env: codexEnv(deps.env, { codexHome }),
    onSignal: deps.onSignal,
    fromTerminal: () => deps.fromTerminal,
  });
}

/**
 * `codex-wrap --help` / `--version`: Codex's own first, then codex-wrap's. Without a Codex to ask,
 * codex-wrap's part still prints (and the exit code is still 0).
 */
export async function printBoth(deps: Deps, parsed: Parsed, codexFlag: '--help' | '--version', ours: string): Promise<number> {
  try {
    await runPlainCodex(deps, parsed, [codexFlag]);
    if (codexFlag === '--help') deps.stdout('\n');
  } catch (err) {
    if (!(err instanceof WrapError) || err.exitCode !== ExitCode.codexNotFound) throw err;
  }
  deps.stdout(ours);
  return ExitCode.ok;
}
