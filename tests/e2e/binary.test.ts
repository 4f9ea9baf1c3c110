import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { FIRST_WRITE_MS } from '../../src/session/state.js';
import { ROOT, runBinary, startBinary } from '../support/binary.js';
import { type FakeCodexReport, waitForFile, writeFakeCodex } from '../support/fake-codex.js';
import { oauthEnv, startIdp } from '../support/idp.js';
import { tempDir } from '../support/tmp.js';
import { startUpstream } from '../support/upstream.js';

const exec = promisify(execFile);
let codex: { dir: string; bin: string };
let home: string;
beforeAll(async () => {
  codex = await writeFakeCodex();
});
beforeEach(async () => {
  home = await tempDir('cw-e2e-');
});
const baseEnv = () => ({ PATH: `${codex.dir}:${process.env.PATH}`, HOME: home, FAKE_CODEX_REPORT: join(home, 'report.json') });
const report = async (): Promise<FakeCodexReport> => JSON.parse(await readFile(join(home, 'report.json'), 'utf8'));

test('--help and --version answer without touching anything', async () => {
  const help = await runBinary(['--help'], { env: baseEnv(), cwd: home });
  expect(help.code).toBe(0);
  for (const word of ['--env-file', 'LLM_API_BASE_URL', 'TOKEN_REFRESH_INTERVAL', 'Exit codes', 'alias codex=codex-wrap'])
    expect(help.stdout).toContain(word);
  const version = await runBinary(['--version'], { env: baseEnv(), cwd: home });
  expect(version.stdout).toMatch(/^codex-wrap \d+\.\d+\.\d+\n$/);
});

test('MOCK_MODE: the built binary runs codex in the caller cwd and returns its exit code', async () => {
  const r = await runBinary(['exec', 'hello'], { env: { ...baseEnv(), MOCK_MODE: 'true', FAKE_CODEX_MODE: 'request:hello' }, cwd: home });
  expect(r.stdout).toBe('[codex-wrap mock model] You said: hello\n');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect((await report()).cwd).toBe(home);
});

test('no wrapper output ever holds the client secret or a token, even with --verbose and failures', async () => {
  const idp = await startIdp({ ttlSeconds: 2 });
  const upstream = await startUpstream({ validate: (t) => idp.isValid(t) });
  const env = { ...baseEnv(), ...oauthEnv(idp, upstream.baseUrl), FAKE_CODEX_MODE: 'request:hi' };
  const outputs: string[] = [];
  for (const args of [
    ['--verbose', 'exec', 'hi'],
    ['--debug', '--no-proxy', 'exec', 'hi'],
    ['--debug', 'exec', 'hi'],
  ]) {
    const r = await runBinary(args, { env: { ...env, FAKE_CODEX_BASE_URL: upstream.baseUrl }, cwd: home });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    outputs.push(r.stdout, r.stderr);
  }
  const bad = await runBinary(['--debug', '--no-cache', 'exec', 'hi'], {
    env: { ...env, OAUTH_CLIENT_SECRET: `${idp.clientSecret}-wrong` },
    cwd: home,
  });
  expect(bad.code).toBe(4);
  outputs.push(bad.stdout, bad.stderr);
  await upstream.close();
  await idp.close();
  const tokens = [...new Set(upstream.requests.map((r) => r.authorization?.replace('Bearer ', '') ?? ''))];
  expect(tokens.length).toBeGreaterThan(0);
  const all = outputs.join('\n');
  expect(all).toContain('token: valid for');
  expect(all).not.toContain(idp.clientSecret);
  for (const t of tokens) expect(all).not.toContain(t);
});

test.each(['SIGTERM', 'SIGINT'] as const)(
  '%s to the wrapper (no terminal) reaches Codex once; the wrapper ends with its code, right after it',
  async (signal) => {
    const { child, done } = startBinary(['exec', 'x'], { env: { ...baseEnv(), MOCK_MODE: 'true', FAKE_CODEX_MODE: 'wait' }, cwd: home });
    await waitForFile(join(home, 'report.json'));
    child.kill(signal);
    expect((await done).code).toBe(42);
    expect((await report()).signals).toEqual([signal]);
  },
);

test('npm pack ships only what is needed, and the tarball installs globally and runs', async () => {
  const dir = await tempDir('cw-pack-');
  const { stdout } = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
  const [info] = JSON.parse(stdout) as [{ filename: string; files: Array<{ path: string }> }];
  const files = info.files.map((f) => f.path).sort();
  expect(files.every((f) => /^(bin\/|dist\/|README\.md$|\.env\.example$|package\.json$|LICENSE$)/.test(f))).toBe(true);
  expect(files).toEqual(
    expect.arrayContaining(['bin/codex-wrap.cjs', 'dist/cli.cjs', 'dist/lib/undici.cjs', 'README.md', '.env.example', 'package.json']),
  );
  const prefix = join(dir, 'global');
  await exec('npm', ['install', '-g', '--offline', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, info.filename)], { cwd: dir });
  const installed = join(prefix, 'bin', 'codex-wrap');
  const { stdout: help } = await exec(installed, ['--help'], { env: { ...process.env, PATH: '/usr/bin:/bin' } });
  expect(help).toContain('Usage: codex-wrap');
  // Through the installed bin's shebang: Node 20 must not take --env-file as its own option (issue #9).
  await writeFile(join(dir, 'a.env'), 'MOCK_MODE=true\nLLM_MODEL_NAME=from-a\n');
  await writeFile(join(dir, 'b.env'), 'LLM_MODEL_NAME=from-b\n');
  const { stdout: config } = await exec(installed, ['--env-file', 'a.env', '--env-file', 'b.env', 'print-config'], {
    cwd: dir,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir },
  });
  expect(config).toContain('model = "from-b"');
  const missing = await exec(installed, ['--env-file', 'missing.env', 'print-config'], {
    cwd: dir,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir },
  }).catch((err: { code: number; stderr: string }) => err);
  expect(missing).toMatchObject({
    code: 2,
    stderr: 'codex-wrap: --env-file missing.env: no such file — check the path (it is relative to the current directory)\n',
  });
}, 120_000);

/** The processes whose command line holds `marker`. */
const holding = (marker: string) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });

// Codex must not outlive codex-wrap (issue #10), by the kernel's parent-death signal through setpriv
// where there is one (issue #12: no watchdog process), else by the shell's watchdog: both are tested.
describe.each([
  ['the kernel (setpriv --pdeathsig)', {}],
  ['the shell watchdog', { CODEX_WRAP_WATCHDOG: 'shell' }],
])('Codex ends with the wrapper: %s', (_name, tether: Record<string, string>) => {
  test('SIGKILL of the wrapper: Codex is told (SIGTERM) instead of running on with a dead proxy', async () => {
    const { child, done } = startBinary(['exec', 'x'], {
      env: { ...baseEnv(), ...tether, MOCK_MODE: 'true', FAKE_CODEX_MODE: 'wait' },
      cwd: home,
    });
    await waitForFile(join(home, 'report.json'));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    for (let i = 0; i < 50 && (await report()).signals.length === 0; i++) await sleep(100);
    // SIGTERM, and nothing else: the kernel may send it more than once (once for each of Node's
    // threads that Codex is handed to as they die), which Codex takes as one.
    expect(new Set((await report()).signals)).toEqual(new Set(['SIGTERM']));
  });

  test('Ctrl-C to the whole job (Codex keeps running, as its TUI does), then SIGKILL of the wrapper: Codex is still told', async () => {
    const { child, done } = startBinary(['exec', 'x'], {
      env: { ...baseEnv(), ...tether, MOCK_MODE: 'true', FAKE_CODEX_MODE: 'tui' },
      cwd: home,
      job: true,
    });
    // The stub rewrites its report on each signal: a read may meet it half-written.
    const signals = () =>
      report().then(
        (r) => r.signals,
        (): string[] => [],
      );
    try {
      await waitForFile(join(home, 'report.json'));
      process.kill(-(child.pid as number), 'SIGINT'); // a shell watchdog is in the job too, and must not die of it
      for (let i = 0; i < 50 && !(await signals()).includes('SIGINT'); i++) await sleep(50);
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      for (let i = 0; i < 50 && !(await signals()).includes('SIGTERM'); i++) await sleep(100);
      expect(await signals()).toContain('SIGTERM');
    } finally {
      try {
        process.kill(-(child.pid as number), 'SIGKILL'); // whatever of the job is left, Codex included
      } catch {}
    }
  });

  test('a normal end: nothing of the watchdog is left, and Codex never had its descriptor', async () => {
    const marker = `watchdog-test-${process.pid}-${Date.now()}`;
    const r = await runBinary(['exec', marker], {
      env: { ...baseEnv(), ...tether, MOCK_MODE: 'true', FAKE_CODEX_MODE: 'sleep:0.2' },
      cwd: home,
    });
    expect(r.code).toBe(0);
    expect((await report()).fd3 ?? '').not.toMatch(/^socket:/);
    for (let i = 0; i < 20 && holding(marker).length; i++) await sleep(50);
    expect(holding(marker)).toEqual([]);
  });
});

test('where util-linux setpriv knows --pdeathsig, a session is two processes: codex-wrap and Codex, its child', async () => {
  const help = await exec('/usr/bin/setpriv', ['--help']).catch(() => ({ stdout: '' }));
  const marker = `tether-test-${process.pid}-${Date.now()}`;
  const { child, done } = startBinary(['exec', marker], { env: { ...baseEnv(), MOCK_MODE: 'true', FAKE_CODEX_MODE: 'wait' }, cwd: home });
  try {
    await waitForFile(join(home, 'report.json'));
    expect((await report()).ppid).toBe(child.pid);
    // The shell's way adds a third: the watchdog, a subshell with the same command line.
    expect(holding(marker)).toHaveLength(help.stdout.includes('--pdeathsig') ? 2 : 3);
  } finally {
    child.kill('SIGTERM');
    await done;
  }
});

describe('pipes and deaths (issue #10)', () => {
  test('state and cache dirs that cannot be made (under /proc): the session runs, says so with --verbose, and ends', async () => {
    // node:fs's recursive mkdir spins there forever on Node 20: codex-wrap would never start Codex.
    const r = await runBinary(['--verbose', 'exec', 'x'], {
      env: {
        ...baseEnv(),
        MOCK_MODE: 'true',
        FAKE_CODEX_MODE: `sleep:${FIRST_WRITE_MS / 1000 + 0.3}`, // past the state file's first write
        XDG_STATE_HOME: '/proc/codex-wrap-test',
        XDG_CACHE_HOME: '/proc/codex-wrap-test',
      },
      cwd: home,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('session state not written: ENOENT');
    expect((await report()).argv).toContain('exec');
  });

  test('a closed stderr (--verbose 2>&1 | head) never ends the session: Codex finishes, the state file goes', async () => {
    const state = join(home, 'state');
    const { child, done } = startBinary(['--verbose', 'exec', 'x'], {
      env: { ...baseEnv(), MOCK_MODE: 'true', FAKE_CODEX_MODE: 'sleep:1.5', XDG_STATE_HOME: state },
      cwd: home,
    });
    child.stderr?.destroy(); // the reader goes away, as `head` does after its lines
    const end = await done;
    expect([end.code, end.signal]).toEqual([0, null]);
    expect(await readdir(join(state, 'codex-wrap', 'sessions'))).toEqual([]);
  });

  test.each([['token'], ['print-config'], ['check'], ['status']])('`%s | (exit)`: a quiet end, no stack', async (command) => {
    const { child, done } = startBinary([command], { env: { ...baseEnv(), MOCK_MODE: 'true' }, cwd: home });
    child.stdout?.destroy();
    const end = await done;
    expect(end.stderr).not.toMatch(/\n\s+at |EPIPE|Error/);
    expect(end.signal).toBeNull();
  });
});
