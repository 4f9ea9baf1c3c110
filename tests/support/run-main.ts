/** Runs main() in-process, as cli.ts would, capturing what it prints. */
import { main } from '../../src/main.js';
import { realClock } from './session.js';

export async function runMain(
  argv: string[],
  o: { env: Record<string, string | undefined>; cwd: string; home: string; pid?: number; self?: string[] },
) {
  let stdout = '';
  let stderr = '';
  const code = await main({
    argv,
    env: o.env,
    cwd: o.cwd,
    home: o.home,
    version: 'test',
    pid: o.pid ?? process.pid,
    uid: process.getuid?.(),
    isAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    stderrIsTTY: false,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    clock: realClock,
    onSignal: () => () => {},
    fromTerminal: false,
    self: o.self ?? [],
  });
  return { code, stdout, stderr };
}
