/**
 * Runs started from the page: each is `codex-wrap … exec --json -` in the chosen directory, so it
 * takes the same path as the CLI (settings, token, proxy, refresh) and shows up among the sessions.
 * The prompt goes in on stdin (never on a command line); each line Codex prints becomes an item.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Clock } from '../deps.js';
import { itemOfLine, type RunItem } from './events.js';

export type RunState = 'running' | 'succeeded' | 'failed' | 'stopped';

export interface RunSummary {
  id: string;
  dir: string;
  prompt: string;
  startedAt: number;
  endedAt?: number;
  state: RunState;
  exitCode?: number;
  pid?: number;
}

export interface Run extends RunSummary {
  items: RunItem[];
}

export type RunEvent = { type: 'run'; run: RunSummary } | { type: 'item'; runId: string; item: RunItem };

/** How a run is started: the codex-wrap command line before `exec`, and its environment. */
export interface Launch {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

/** The Codex command line of every run: one non-interactive turn, events as JSON lines, prompt from stdin. */
export const RUN_ARGS = ['exec', '--json', '--skip-git-repo-check', '-'];
/** Past runs kept (the oldest finished ones go first); items kept per run. */
export const MAX_RUNS = 50;
export const MAX_ITEMS = 1000;
/** A stopped run that has not ended after this long is killed. */
export const STOP_GRACE_MS = 5000;
export const MAX_PROMPT = 100_000;

export interface Runs {
  start(dir: string, prompt: string): Run;
  /** False when no such run is running. */
  stop(id: string): boolean;
  list(): Run[];
  /** Stops every run and waits for them to end. */
  close(): Promise<void>;
}

export function createRuns(o: { launch: Launch; clock: Clock; onEvent: (e: RunEvent) => void }): Runs {
  const runs = new Map<string, Run>();
  const children = new Map<string, { child: ChildProcess; ended: Promise<void>; stopping: boolean }>();
  let next = 1;
  const summary = ({ items: _, ...rest }: Run): RunSummary => rest;
  const changed = (run: Run) => o.onEvent({ type: 'run', run: summary(run) });

  const prune = () => {
    const finished = [...runs.values()].filter((r) => r.state !== 'running');
    for (const r of finished.slice(0, Math.max(0, runs.size - MAX_RUNS))) runs.delete(r.id);
  };

  const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
    try {
      // The run leads its own process group: codex-wrap, Codex and what Codex started.
      if (child.pid) process.kill(-child.pid, signal);
    } catch {}
  };

  return {
    start(dir, prompt) {
      const id = String(next++);
      const run: Run = { id, dir, prompt, startedAt: o.clock.now(), state: 'running', items: [] };
      runs.set(id, run);
      prune();
      const child = spawn(o.launch.command, [...o.launch.args, ...RUN_ARGS], {
        cwd: dir,
        env: o.launch.env as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      run.pid = child.pid;
      let seq = 0;
      const add = (item: RunItem | undefined) => {
        if (!item) return;
        const at = run.items.findIndex((i) => i.id === item.id);
        if (at >= 0) run.items[at] = item;
        else if (run.items.length < MAX_ITEMS) run.items.push(item);
        else return;
        o.onEvent({ type: 'item', runId: id, item });
      };
      createInterface({ input: child.stdout }).on('line', (line) => add(itemOfLine(line, seq++)));
      // codex-wrap's own messages (a settings problem, an IdP refusal) and Codex's stderr.
      createInterface({ input: child.stderr }).on('line', (line) => {
        if (line.trim()) add({ id: `log-${seq++}`, kind: 'log', text: line.slice(0, 2000) });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(prompt);
      const entry = {
        child,
        stopping: false,
        ended: new Promise<void>((resolve) => {
          const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
            if (run.state !== 'running') return resolve();
            if (error) add({ id: `log-${seq++}`, kind: 'error', text: `codex-wrap could not be started: ${error.message}` });
            run.endedAt = o.clock.now();
            run.exitCode = code ?? (signal ? 128 : 1);
            run.state = entry.stopping ? 'stopped' : code === 0 ? 'succeeded' : 'failed';
            children.delete(id);
            changed(run);
            resolve();
          };
          child.on('error', (err) => finish(null, null, err));
          child.on('close', (code, signal) => finish(code, signal));
        }),
      };
      children.set(id, entry);
      changed(run);
      return run;
    },
    stop(id) {
      const entry = children.get(id);
      if (!entry) return false;
      if (!entry.stopping) {
        entry.stopping = true;
        killGroup(entry.child, 'SIGTERM');
        const timer = o.clock.setTimeout(() => killGroup(entry.child, 'SIGKILL'), STOP_GRACE_MS);
        entry.ended.then(() => o.clock.clearTimeout(timer));
      }
      return true;
    },
    list: () => [...runs.values()],
    async close() {
      const ending = [...children.values()].map((e) => e.ended);
      for (const id of [...children.keys()]) this.stop(id);
      await Promise.all(ending);
    },
  };
}
