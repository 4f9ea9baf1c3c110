/**
 * The programmatic entry: parses the command line and runs one command. Returns the exit code;
 * cli.ts is the only place that touches the process.
 */

import { isModelFree, SESSION_MARKER } from './codex/child.js';
import { allowProject, denyProject } from './commands/allow.js';
import { printConfig } from './commands/print-config.js';
import { printStatus } from './commands/status.js';
import { printToken } from './commands/token.js';
import { type Context, loadContext } from './context.js';
import type { Deps } from './deps.js';
import { describeFailure, ExitCode, WrapError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import type { RunPart } from './run-parts.js';
import { printBoth, runPlainCodex } from './session/passthrough.js';
import { type Parsed, parseArgs } from './settings/args.js';
import { helpText } from './settings/help.js';
import { colorLevel, createSpinner, paint } from './ui.js';

export type { Deps } from './deps.js';

/** `check` (with execa) is loaded only when it runs: a session's start-up does not pay for it (issue #12). */
const loadCheck = () => import('./commands/check.js');
/** A session's proxy, token refresh and state file: a model-free command never loads them. */
const loadSession = () => import('./session/session.js');
/** Likewise the dashboard, its web server and page. */
const loadDashboard = () => import('./commands/dashboard.js');

/** Runs codex-wrap; never throws: failures are printed (redacted) and become the exit code. */
export async function main(deps: Deps): Promise<number> {
  // Worked out when something is printed in colour: a session that prints nothing never asks (node:tty).
  const color = () => colorLevel(deps.env, deps.stderrIsTTY);
  let log = createLogger({ write: deps.stderr, verbose: false, now: deps.clock.now });
  let args: Parsed | undefined;
  let ctx: Context | undefined;
  try {
    args = parseArgs(deps.argv, deps.env);
    log = createLogger({ write: deps.stderr, verbose: args.verbose, now: deps.clock.now });
    const without = await withoutSettings(deps, args, log);
    if (without !== undefined) {
      deps.ran?.(runPart(args));
      return without;
    }
    // The spinner only when a person watches stderr and nothing else writes to it.
    const { verbose } = args;
    const spinner = createSpinner(deps.stderr, () => deps.stderrIsTTY && !verbose);
    const loading = loadContext(deps, args, log, spinner);
    if (args.command === 'check') {
      const parsed = args;
      ctx = await loading.catch(async (err: unknown) => (await loadCheck()).printSettingsFailure(deps, parsed, log, err, color()));
      if (!ctx) return 1;
    } else ctx = await loading;
    const code = await dispatch(ctx, color);
    deps.ran?.(runPart(args));
    return code;
  } catch (err) {
    const { text, exitCode } = describeFailure(err, args?.debug ?? false);
    const [head, ...rest] = log.redact(text).split('\n');
    deps.stderr(`${[(await paint(color())).red(head), ...rest].join('\n')}\n`);
    return exitCode;
  } finally {
    await ctx?.net.close();
  }
}

/** Which part of codex-wrap a run is (run-parts.ts), for the launcher's code cache. Pure. */
export function runPart(args: Parsed): RunPart {
  if (args.help || args.version || args.command !== 'codex') return 'command';
  return isModelFree(args.codexArgs) ? 'passthrough' : 'session';
}

/** The commands that need no settings; undefined for the others. */
async function withoutSettings(deps: Deps, args: Parsed, log: Logger): Promise<number | undefined> {
  if (args.help) return printBoth(deps, args, '--help', helpText());
  if (args.version) return printBoth(deps, args, '--version', `codex-wrap ${deps.version}\n`);
  // Codex commands that never call the model run as plain Codex (issue #9): no settings, no token.
  if (args.command === 'codex' && isModelFree(args.codexArgs)) return runPlainCodex(deps, args, args.codexArgs);
  if (args.command === 'status') return printStatus(deps, args.json);
  if (args.command === 'allow') return allowProject(deps, args.target);
  if (args.command === 'deny') return denyProject(deps, args.target);
  // The dashboard shows broken settings rather than refusing to start; each run checks its own.
  if (args.command === 'dashboard') return (await loadDashboard()).dashboardCommand(deps, args, log);
  if (args.command === 'codex' && deps.env[SESSION_MARKER]) {
    throw new WrapError('codex-wrap is already running here (this shell was started by Codex under codex-wrap)', {
      hint: 'run codex directly inside a codex-wrap session, or unset CODEX_WRAP_SESSION',
      exitCode: ExitCode.nested,
    });
  }
  return undefined;
}

async function dispatch(ctx: Context, color: () => 0 | 1): Promise<number> {
  const { settings } = ctx;
  ctx.log.verbose(
    `settings: ${settings.mock ? 'MOCK_MODE, ' : ''}${settings.proxy ? 'proxy' : 'direct'} mode, model ${settings.model}, ` +
      `gateway ${settings.baseUrl?.href ?? '(mock model)'}`,
  );
  switch (ctx.args.command) {
    case 'check':
      return (await loadCheck()).checkCommand(ctx, color());
    case 'print-config':
      return printConfig(ctx);
    case 'token':
      return printToken(ctx);
    default:
      return (await loadSession()).runSession(ctx);
  }
}
