/** `codex-wrap status [--json]`: the codex-wrap sessions running on this machine. */
import type { Deps } from '../context.js';
import { formatSessions, listSessions } from '../session/state.js';
import { sessionsDir } from '../settings/paths.js';

export async function status(d: Deps, json: boolean): Promise<number> {
  const { sessions, problem } = await listSessions(sessionsDir(d.env, d.home), d.isAlive, d.uid);
  if (problem) d.stderr(`codex-wrap: warning: ${problem}\n`);
  d.stdout(json ? `${JSON.stringify(sessions, null, 2)}\n` : formatSessions(sessions, d.clock.now()));
  return 0;
}
