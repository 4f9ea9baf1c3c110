/**
 * The programmatic entry: parses the command line and runs one command. Returns the exit code;
 * cli.ts is the only place that touches the process.
 */

import { SESSION_MARKER } from './codex/child.js';
import { allowProject, denyProject } from './commands/allow.js';
import { type Check, printChecks, runChecks, settingsLines } from './commands/check.js';
import { printConfig } from './commands/print-config.js';
import { status } from './commands/status.js';
import { printToken } from './commands/token.js';
import { type Context, type Deps, loadContext } from './context.js';
import { describeFailure, ExitCode, WrapError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { runSession } from './session/session.js';
import { type Parsed, parseArgs } from './settings/args.js';
import { helpText } from './settings/help.js';
import { colorLevel, createSpinner, paint } from './ui.js';

export type { Deps } from './context.js';

/** Runs codex-wrap; never throws: failures are printed (redacted) and become the exit code. */
export async function main(d: Deps): Promise<number> {
  const color = colorLevel(d.env, d.stderrIsTTY);
  let log = createLogger({ write: d.stderr, verbose: false, now: d.clock.now });
  let args: Parsed | undefined;
  try {
    args = parseArgs(d.argv, d.env);
    log = createLogger({ write: d.stderr, verbose: args.verbose, now: d.clock.now });
    if (args.help) {
      d.stdout(helpText());
      return ExitCode.ok;
    }
    if (args.version) {
      d.stdout(`codex-wrap ${d.version}\n`);
      return ExitCode.ok;
    }
    if (args.command === 'status') return await status(d, args.json);
    if (args.command === 'allow') return await allowProject(d, args.target);
    if (args.command === 'deny') return await denyProject(d, args.target);
    if (args.command === 'run' && d.env[SESSION_MARKER]) {
      throw new WrapError('codex-wrap is already running here (this shell was started by Codex under codex-wrap)', {
        hint: 'run codex directly inside a codex-wrap session, or unset CODEX_WRAP_SESSION',
        exitCode: ExitCode.nested,
      });
    }
    // The spinner only when a person watches stderr and nothing else writes to it.
    const spinner = createSpinner(d.stderr, d.stderrIsTTY && !args.verbose);
    const ctx = await loadContext(d, args, log, spinner).catch((err) => {
      if (args?.command === 'check') return failedSettings(d, log, err, args.json, color);
      throw err;
    });
    if (typeof ctx === 'number') return ctx;
    return await dispatch(ctx, color);
  } catch (err) {
    const { text, exitCode } = describeFailure(err, args?.debug ?? false);
    const [head, ...rest] = log.redact(text).split('\n');
    d.stderr(`${[paint(color).red(head), ...rest].join('\n')}\n`);
    return exitCode;
  }
}

async function dispatch(ctx: Context, color: 0 | 1): Promise<number> {
  ctx.log.verbose(
    `settings: ${ctx.settings.mock ? 'MOCK_MODE, ' : ''}${ctx.settings.proxy ? 'proxy' : 'direct'} mode, model ${ctx.settings.model}, ` +
      `gateway ${ctx.settings.baseUrl?.href ?? '(mock model)'}`,
  );
  switch (ctx.args.command) {
    case 'check':
      // An IdP's error text could echo anything: check's report is redacted like every log line.
      return printChecks(
        { d: { ...ctx.d, stdout: (t) => ctx.d.stdout(ctx.log.redact(t)) }, settings: settingsLines(ctx) },
        await runChecks(ctx),
        ctx.args.json,
        color,
      );
    case 'print-config':
      return printConfig(ctx);
    case 'token':
      return printToken(ctx);
    default:
      return runSession(ctx);
  }
}

function failedSettings(d: Deps, log: Logger, err: unknown, json: boolean, color: 0 | 1): number {
  if (!(err instanceof WrapError)) throw err;
  const detail = [err.message, ...err.details].join('; ');
  const checks: Check[] = [{ name: 'settings', ok: false, detail }];
  // A problem can echo a value: redacted like every other line.
  return printChecks({ d: { ...d, stdout: (t) => d.stdout(log.redact(t)) } }, checks, json, color);
}
