/** `codex-wrap dashboard` as a user starts it (the built binary), and the Codex home its runs use offline. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Done, startBinary } from './binary.js';

export interface DashboardProcess {
  /** The printed address with the one-time token. */
  loginUrl: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Sends SIGINT (Ctrl-C) and waits for the exit. */
  stop(): Promise<Done>;
  done: Promise<Done>;
  output(): { stdout: string; stderr: string };
}

/** Starts the dashboard and waits for the address it prints. */
export async function startDashboardProcess(
  o: { env: Record<string, string | undefined>; cwd: string },
  args: string[] = ['--no-open'],
): Promise<DashboardProcess> {
  const { child, done, output } = startBinary(['dashboard', ...args], o);
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const m = /codex-wrap dashboard: (http:\/\/\S+)/.exec(output().stdout);
      if (m) resolve(m[1]);
    };
    child.stdout?.on('data', look);
    done.then((d) => reject(new Error(`the dashboard exited (${d.code}) before printing its address: ${d.stderr}`)));
  });
  const url = new URL(loginUrl);
  return {
    loginUrl,
    origin: url.origin,
    port: Number(url.port),
    done,
    output,
    stop: async () => {
      child.kill('SIGINT');
      return done;
    },
  };
}

/** CODEX-FACTS.md: a Codex home whose config keeps Codex from opening connections of its own. */
export async function offlineCodexHome(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.toml'), '[features]\nplugins = false\n\n[analytics]\nenabled = false\n');
  return dir;
}
