/** `codex-wrap status [--json]`: the codex-wrap sessions running on this machine. */
import type { Deps } from '../deps.js';
import { listSessions, type SessionState } from '../session/state.js';
import { sessionsDir } from '../settings/paths.js';

export async function printStatus(deps: Deps, json: boolean): Promise<number> {
  const { sessions, problem } = await listSessions(sessionsDir(deps.env, deps.home), deps.isAlive, deps.uid);
  if (problem) deps.stderr(`codex-wrap: warning: ${problem}\n`);
  deps.stdout(json ? `${JSON.stringify(sessions, null, 2)}\n` : formatSessions(sessions, deps.clock.now()));
  return 0;
}

/** Control characters shown as escapes: a state file must not drive the terminal. Pure. */
export const printable = (text: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const ago = (now: number, t?: number) => (t === undefined ? '-' : `${Math.max(0, Math.round((now - t) / 1000))}s ago`);
const until = (now: number, t: number) => (t <= now ? 'expired' : `in ${Math.round((t - now) / 1000)}s`);

/** The table `codex-wrap status` prints. Pure. */
export function formatSessions(sessions: readonly SessionState[], now: number): string {
  if (sessions.length === 0) return 'no codex-wrap session is running\n';
  const rows = [
    ['PID', 'MODE', 'MODEL', 'GATEWAY', 'TOKEN EXPIRES', 'LAST REFRESH', 'REFRESHES', 'REQUESTS', 'ERRORS', 'CWD'],
    ...sessions.map((s) => [
      String(s.pid),
      printable(s.mode),
      printable(s.model ?? '-'),
      printable(s.gateway ?? '-'), // none: the mock model answers
      until(now, s.tokenExpiresAt),
      s.lastRefreshAt === undefined ? '-' : printable(`${ago(now, s.lastRefreshAt)} ${s.lastRefreshOutcome ?? ''}`.trim()),
      String(s.refreshes),
      String(s.requestsProxied),
      String(s.upstreamErrors),
      printable(s.cwd),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')}\n`;
}
