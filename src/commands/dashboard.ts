/**
 * `codex-wrap dashboard [--port N] [--no-open]`: the local web page. Runs until Ctrl-C (or
 * SIGTERM), then stops the runs it started and exits 0.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveForDisplay } from '../context.js';
import { checkDirectory } from '../dashboard/directory.js';
import { watchSessions } from '../dashboard/feed.js';
import { openBrowser, openerFor } from '../dashboard/open.js';
import { createRuns, type Launch } from '../dashboard/runs.js';
import { type Assets, type Dashboard, startDashboard } from '../dashboard/server.js';
import type { Deps } from '../deps.js';
import { ExitCode, WrapError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Parsed } from '../settings/args.js';
import { dashboardDir, sessionsDir } from '../settings/paths.js';
import { checkReport, settingsLines } from './check.js';

/** Where the build puts the page (dist/dashboard/, beside the bundle). */
export const ASSETS_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));

export async function readAssets(dir: string): Promise<Assets> {
  try {
    const [html, js, css, icon] = await Promise.all(
      ['index.html', 'app.js', 'style.css', 'favicon.svg'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    return { html, js, css, icon };
  } catch {
    throw new WrapError(`the dashboard's page is missing from this installation (${dir})`, {
      hint: 'reinstall codex-wrap, or run npm run build in a clone',
      exitCode: ExitCode.internal,
    });
  }
}

/**
 * How a run starts codex-wrap again: this dashboard's own settings flags (as environment values,
 * which rank as flags do), its --env-file files (absolute: the run starts elsewhere) and switches.
 * Pure.
 */
export function launchFor(deps: Pick<Deps, 'env' | 'cwd' | 'launcher'>, args: Parsed): Launch {
  const [command, ...self] = deps.launcher ?? [];
  if (!command)
    throw new WrapError('the dashboard cannot start runs: codex-wrap does not know its own path', { exitCode: ExitCode.internal });
  const flags = [
    ...args.envFiles.flatMap((f) => ['--env-file', isAbsolute(f) ? f : resolve(deps.cwd, f)]),
    ...(args.trustProjectEnv ? ['--trust-project-env'] : []),
    ...(args.noCache ? ['--no-cache'] : []),
    ...(args.verbose ? ['--verbose'] : []),
  ];
  return { command, args: [...self, ...flags], env: { ...deps.env, ...args.flags } };
}

export async function dashboardCommand(deps: Deps, args: Parsed, log: Logger, assetsDir = ASSETS_DIR): Promise<number> {
  const assets = await readAssets(assetsDir);
  const display = () => resolveForDisplay(deps, args);
  for (const secret of (await display()).secrets) log.secret(secret);
  let dashboard: Dashboard | undefined;
  const runs = createRuns({ launch: launchFor(deps, args), clock: deps.clock, onEvent: (e) => dashboard?.broadcast(e.type, e) });
  const sessions = watchSessions({
    dir: sessionsDir(deps.env, deps.home),
    uid: deps.uid,
    isAlive: deps.isAlive,
    clock: deps.clock,
    onChange: (list) => dashboard?.showSessions(list),
  });
  let removeLaunchPage = async () => {};
  let unsubscribe = () => {};
  try {
    dashboard = await startDashboard({
      port: args.dashboard.port,
      assets,
      runs,
      sessions,
      settings: async () => {
        const { resolved, secrets } = await display();
        for (const secret of secrets) log.secret(secret);
        return { cwd: deps.cwd, settings: settingsLines(resolved) };
      },
      check: () => checkReport(deps, args),
      checkDirectory: (input) => checkDirectory(input, { home: deps.home, uid: deps.uid }),
      now: deps.clock.now,
      redact: log.redact,
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
      throw new WrapError(`port ${args.dashboard.port} cannot be used (${err.code})`, {
        hint: 'pick another with --port, or leave --port out for any free port',
        exitCode: ExitCode.usage,
      });
    });
    deps.stdout(`codex-wrap dashboard: ${dashboard.loginUrl}\n`);
    deps.stderr('codex-wrap: the link signs in once; Ctrl-C stops the dashboard\n');
    const opener = args.dashboard.open ? openerFor(deps.platform ?? 'linux', deps.env) : undefined;
    if (opener) {
      removeLaunchPage = await openBrowser(dashboard.loginUrl, {
        opener,
        dir: dashboardDir(deps.env, deps.home),
        uid: deps.uid,
        pid: deps.pid,
      }).catch(() => async () => {});
    }
    // Subscribed until the end: a signal with no handler of ours left would kill the process
    // (signal-exit, loaded with the token cache's lock, re-raises a signal nobody else handles).
    const signal = await new Promise<NodeJS.Signals>((done) => {
      unsubscribe = deps.onSignal(done);
    });
    log.verbose(`dashboard: ${signal}, stopping`);
    return 0;
  } finally {
    sessions.stop();
    await runs.close();
    await dashboard?.close();
    await removeLaunchPage();
    unsubscribe();
  }
}
