/**
 * The boundary types: everything codex-wrap needs from the process, which cli.ts builds and tests
 * replace. No module below main reads argv, env, the clock or signals any other way.
 */
import type { RunPart } from './run-parts.js';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Subscribes to the signals the wrapper receives; returns the unsubscribe function. */
export type SignalSubscribe = (handler: (signal: NodeJS.Signals) => void) => () => void;

export interface Deps {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  version: string;
  pid: number;
  uid?: number;
  isAlive: (pid: number) => boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTTY: boolean;
  clock: Clock;
  onSignal: SignalSubscribe;
  /** True when a terminal is attached (it then sends Ctrl-C to Codex itself). */
  fromTerminal: boolean;
  /** Paths of this executable, so that PATH lookup never finds codex-wrap as codex. */
  self: readonly string[];
  /** The command that starts codex-wrap again (node and its script): the dashboard's runs. */
  launcher?: readonly string[];
  platform?: NodeJS.Platform;
  /** What the run went through, once it has (run-parts.ts): the launcher's code cache follows it. */
  ran?: (part: RunPart) => void;
}
