/** The process boundary: the only module that reads argv and env, handles signals and exits. */
import { createRequire } from 'node:module';
import { main } from './main.js';
import { homeDir } from './os.js';
import { RUN_PART_EVENT } from './run-parts.js';

declare const CODEX_WRAP_VERSION: string;

/** node:tty on first use: a session that prints nothing and gets no signal never loads it (issue #12). */
const isatty = (fd: number): boolean => (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * A writer that a closed pipe cannot end: `codex-wrap token | head -c1` or a log piped into `head`
 * is normal, and must neither kill a session (Codex would be left without its proxy) nor print a
 * stack. Once the reader is gone, later writes are dropped. The stream is made on the first write:
 * a session that prints nothing never builds one (some 1–2 ms of start-up each, issue #12).
 */
const opened: NodeJS.WriteStream[] = [];
function writer(make: () => NodeJS.WriteStream): (text: string) => void {
  let stream: NodeJS.WriteStream | undefined;
  let open = true;
  return (text) => {
    if (!stream) {
      stream = make();
      opened.push(stream);
      stream.on('error', () => {
        open = false;
      });
    }
    if (open && !stream.destroyed) stream.write(text);
  };
}

// The launcher's shebang (bin/codex-wrap.cjs) moved NODE_EXTRA_CA_CERTS aside; it is the user's
// setting all the same: back in place before anything reads the environment.
const movedExtraCa = process.env.CODEX_WRAP_EXTRA_CA;
if (movedExtraCa !== undefined) {
  delete process.env.CODEX_WRAP_EXTRA_CA;
  if (movedExtraCa) process.env.NODE_EXTRA_CA_CERTS = movedExtraCa;
}

const running = main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  home: homeDir(process.env),
  version: typeof CODEX_WRAP_VERSION === 'string' ? CODEX_WRAP_VERSION : 'dev',
  pid: process.pid,
  uid: process.getuid?.(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  stdout: writer(() => process.stdout),
  stderr: writer(() => process.stderr),
  get stderrIsTTY() {
    return isatty(2);
  },
  clock: {
    now: Date.now,
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  },
  onSignal: (handler) => {
    for (const s of SIGNALS) process.on(s, handler);
    return () => {
      for (const s of SIGNALS) process.off(s, handler);
    };
  },
  get fromTerminal() {
    return isatty(0);
  },
  self: [process.argv[1]],
  launcher: [process.execPath, process.argv[1]],
  platform: process.platform,
  ran: (part) => (process.emit as (event: string, ...args: unknown[]) => boolean)(RUN_PART_EVENT, part),
});

// main closed everything it opened. Exit now rather than when Node finds the loop empty: V8 may
// still be optimising undici's WebAssembly parser (the IdP's requests) on a background thread, and
// Node would wait for it (issue #12: 40–65 ms at the end of a short session). Queued output is
// written first.
running.then(async (code) => {
  const streams = opened.filter((s) => s.writableLength > 0 && !s.destroyed);
  await Promise.all(streams.map((s) => new Promise((resolve) => s.write('', resolve))));
  process.exit(code);
});
