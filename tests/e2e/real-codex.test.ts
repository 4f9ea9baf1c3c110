/**
 * The real Codex CLI (the pinned devDependency) through the built codex-wrap, offline: a real OAuth
 * server and a fake gateway on 127.0.0.1, a throwaway CODEX_HOME for every test.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SUBCOMMANDS } from '../../src/codex/child.js';
import { BIN, ROOT, runBinary } from '../support/binary.js';
import { within } from '../support/fake-codex.js';
import { type Idp, oauthEnv, startIdp } from '../support/idp.js';
import { CODEX_BIN, EXEC, OFFLINE, realCodexSettings } from '../support/real-codex.js';
import { tempDir } from '../support/tmp.js';
import { type Handler, startUpstream, toolModel, type Upstream } from '../support/upstream.js';

let idp: Idp;
let gateway: Upstream;
let codexHome: string;
let work: string;
afterEach(async () => {
  await gateway?.close();
  await idp?.close();
});

async function setUp(ttlSeconds: number, handler?: Handler) {
  idp = await startIdp({ ttlSeconds });
  gateway = await startUpstream({ validate: (t) => idp.isValid(t), handler });
  codexHome = await tempDir('cw-codex-home-');
  work = await tempDir('cw-work-');
}

function env(extra: Record<string, string> = {}) {
  return { PATH: process.env.PATH, HOME: codexHome, ...realCodexSettings(idp, gateway.baseUrl, codexHome), ...extra };
}

const timed = async <T>(f: () => Promise<T>) => {
  const t = Date.now();
  const value = await f();
  return { value, seconds: (Date.now() - t) / 1000 };
};

test.each([
  ['proxy', []],
  ['direct', ['--no-proxy']],
])(
  'an exec turn completes in %s mode; the answer is on stdout; the exit code is Codex’s',
  async (_mode, flags) => {
    await setUp(60);
    const r = await runBinary([...flags, ...EXEC, 'hello codex'], { env: env(), cwd: work });
    expect(r.stdout).toBe('upstream says: hello codex\n');
    expect(r.code).toBe(0);
    expect(gateway.requests.filter((q) => q.path === '/v1/responses').every((q) => q.status === 200)).toBe(true);
  },
  60_000,
);

test('MOCK_MODE=true with nothing else configured: the mock model answers the real Codex', async () => {
  const home = await tempDir('cw-mock-home-');
  const r = await runBinary([...EXEC, 'hello'], {
    env: { PATH: process.env.PATH, HOME: home, CODEX_BIN, MOCK_MODE: 'true' },
    cwd: home,
  });
  expect(r.stdout).toBe('[codex-wrap mock model] You said: hello\n');
  expect(r.code).toBe(0);
}, 60_000);

test('a session longer than its tokens: proxy mode succeeds, direct mode fails', async () => {
  // 6-s tokens (the shortest a 5 s floor between grants keeps fresh); the model runs `sleep 7`.
  await setUp(6, toolModel('sleep 7'));
  const args = [...EXEC, '--dangerously-bypass-approvals-and-sandbox', 'run sleep 7'];
  const proxied = await runBinary(args, { env: env(), cwd: work });
  expect(proxied.stdout).toContain('The command `sleep 7` ran');
  expect(proxied.code).toBe(0);
  const turns = gateway.requests.filter((q) => q.path === '/v1/responses');
  expect(turns.map((q) => q.status)).toEqual([200, 200]);
  expect(turns[0].authorization).not.toBe(turns[1].authorization); // the first token had expired

  gateway.requests.length = 0;
  const direct = await timed(() => runBinary(['--no-proxy', ...args], { env: env(), cwd: work }));
  expect(direct.value.code).not.toBe(0);
  expect(gateway.requests.some((q) => q.status === 401)).toBe(true);
  expect(direct.seconds).toBeLessThan(60);
}, 120_000);

test("after a run, the user's config.toml is as it was: plain codex sees the same keys", async () => {
  await setUp(60);
  const user = `# my settings — keep me
approval_policy = "never" # inline comment

[projects."${work}"]
trust_level = "trusted"

[model_providers.other]
name = "Other"
base_url = "https://other.example.com/v1"

[tui]
notifications = false
`;
  await writeFile(join(codexHome, 'config.toml'), user);
  const r = await runBinary([...EXEC, 'hi'], { env: env(), cwd: work });
  expect(r.code).toBe(0);
  expect(await readFile(join(codexHome, 'config.toml'), 'utf8')).toBe(user);
  expect(await readFile(join(codexHome, 'codex-wrap.config.toml'), 'utf8')).toContain(`base_url = "${gateway.baseUrl}"`);
}, 60_000);

describe('model-free commands through codex-wrap are plain Codex, byte for byte', () => {
  const run = (bin: string[], args: string[], extra: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(bin[0], [...bin.slice(1), ...args], {
        cwd: work,
        env: { PATH: process.env.PATH, HOME: codexHome, CODEX_HOME: codexHome, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => {
        stdout += c;
      });
      child.stderr.on('data', (c) => {
        stderr += c;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const plain = (args: string[]) => run([CODEX_BIN], args);
  const wrapped = (args: string[], extra: Record<string, string> = {}) => run([process.execPath, BIN], args, { CODEX_BIN, ...extra });

  test.each([
    [['-V']],
    [['exec', '--help']],
    [['resume', '--help']],
    [['completion', 'bash']],
    [['features', 'list']],
    [['mcp', 'list']],
    [['login', 'status']],
    [['logout']],
    // Not `doctor`: it reports on the terminal and times itself, which differ between any two runs in pipes.
    [['sandbox', '--help']],
  ])(
    '%j: the same stdout, stderr and exit code with no settings, and with settings while the IdP is down',
    async (args) => {
      await setUp(60);
      const want = await plain(args);
      expect(await wrapped(args)).toEqual(want);
      await idp.close();
      expect(await wrapped(args, oauthEnv(idp, gateway.baseUrl))).toEqual(want);
      expect(idp.grants).toBe(0);
    },
    30_000,
  );

  test("--help and --version: Codex's own output first, then codex-wrap's", async () => {
    await setUp(60);
    const help = await wrapped(['--help']);
    expect(help.stdout.startsWith(`${(await plain(['--help'])).stdout}\nUsage: codex-wrap`)).toBe(true);
    const version = await wrapped(['--version']);
    expect(version.stdout).toMatch(new RegExp(`^${(await plain(['--version'])).stdout}codex-wrap \\d+\\.\\d+\\.\\d+\\n$`));
  }, 30_000);
});

test('two direct-mode sessions with different gateways each stay on their own', async () => {
  await setUp(60, toolModel('sleep 3'));
  const gatewayA = gateway;
  const gatewayB = await startUpstream({ validate: (t) => idp.isValid(t) });
  try {
    const a = runBinary(['--no-proxy', ...EXEC, '--dangerously-bypass-approvals-and-sandbox', 'run it'], { env: env(), cwd: work });
    for (let i = 0; i < 100 && gatewayA.requests.length === 0; i++) await sleep(100);
    // B starts (and writes the shared profile) while A's model is still running `sleep 3`.
    const b = await runBinary(['--no-proxy', ...EXEC, 'hi'], { env: env({ LLM_API_BASE_URL: gatewayB.baseUrl }), cwd: work });
    expect(b.code).toBe(0);
    expect((await a).code).toBe(0);
    expect(gatewayA.requests.length).toBeGreaterThanOrEqual(2);
    expect(gatewayB.requests).toHaveLength(1);
    expect(gatewayA.requests.every((q) => q.status === 200)).toBe(true);
  } finally {
    await gatewayB.close();
  }
}, 60_000);

describe('bad settings end with a clear error, never a hang', () => {
  test('unreachable IdP: codex-wrap’s one line, exit 5', async () => {
    await setUp(60);
    await idp.close();
    const r = await timed(() => runBinary([...EXEC, 'hi'], { env: env(), cwd: work }));
    expect(r.value.code).toBe(5);
    expect(r.value.stderr).toMatch(/^codex-wrap: cannot reach the token endpoint .*\n$/);
    expect(r.seconds).toBeLessThan(30);
  }, 60_000);

  test('invalid_client: exit 4 (Codex, started while the grant ran, is ended first)', async () => {
    await setUp(60);
    const r = await timed(() => runBinary([...EXEC, 'hi'], { env: env({ OAUTH_CLIENT_SECRET: 'not-the-secret' }), cwd: work }));
    expect(r.value.code).toBe(4);
    // codex-wrap's line is the last: whatever Codex printed before it was ended comes first.
    expect(r.value.stderr).toMatch(/(^|\n)codex-wrap: the IdP refused the token request: invalid_client[^\n]*\n$/);
    expect(r.seconds).toBeLessThan(30);
  }, 60_000);

  test("gateway down: Codex's own error, a non-zero exit, in bounded time", async () => {
    await setUp(60);
    await gateway.close();
    const r = await timed(() =>
      runBinary(
        [...EXEC, '-c', 'model_providers.codex-wrap.request_max_retries=1', '-c', 'model_providers.codex-wrap.stream_max_retries=1', 'hi'],
        {
          env: env(),
          cwd: work,
        },
      ),
    );
    expect(r.value.code).not.toBe(0);
    expect(r.value.stderr).toMatch(/502|cannot reach/);
    expect(r.seconds).toBeLessThan(120);
  }, 180_000);
});

test('the interactive TUI in a pseudo-terminal: first request through the proxy, clean exit on Ctrl-C, no codex-wrap line over it', async () => {
  await setUp(6); // a token refresh (at 5 s) during the session: --verbose has a line to write
  const state = join(codexHome, 'state');
  await writeFile(join(codexHome, 'config.toml'), `[projects."${work}"]\ntrust_level = "trusted"\n`);
  const log = join(codexHome, 'pty.log');
  const child = spawn(
    'python3',
    [join(ROOT, 'tests', 'support', 'pty-run.py'), process.execPath, BIN, '--verbose', ...OFFLINE, 'hello tui'],
    {
      cwd: work,
      env: { ...env(), PTY_LOG: log, XDG_STATE_HOME: state },
      stdio: 'ignore',
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  for (let i = 0; i < 300 && !gateway.requests.some((q) => q.path === '/v1/responses'); i++) await sleep(100);
  const first = gateway.requests.find((q) => q.path === '/v1/responses');
  expect(first?.status).toBe(200); // the proxy accepted Codex's session key and sent a valid IdP token
  expect(JSON.parse(first?.body ?? '{}').max_output_tokens).toBe(4096);
  await sleep(6000);
  child.kill('SIGUSR1'); // types Ctrl-C
  const code = await within(exited, 20_000, 'hang');
  if (code === 'hang') child.kill('SIGKILL');
  expect([0, 130]).toContain(code);
  const screen = await readFile(log, 'utf8');
  expect(screen).toContain('hello tui');
  const [before, after] = screen.split(/verbose log of this session: \S+/);
  expect(before).toContain('codex-wrap [');
  expect(after).not.toMatch(/codex-wrap(:| \[)/);
  const [file] = await readdir(join(state, 'codex-wrap', 'logs'));
  expect(await readFile(join(state, 'codex-wrap', 'logs', file), 'utf8')).toContain('token: refreshed');
}, 60_000);

test("codex-wrap knows every subcommand of the pinned Codex's --help (src/codex/child.ts SUBCOMMANDS)", async () => {
  const help = await new Promise<string>((resolve) => {
    const child = spawn(CODEX_BIN, ['--help'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.on('close', () => resolve(out));
  });
  const section = help.split('\nCommands:\n')[1].split('\n\n')[0];
  const listed = [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
  const aliases = [...section.matchAll(/\[aliases: ([^\]]+)\]/g)].flatMap((m) => m[1].split(', '));
  expect(listed.length).toBeGreaterThan(20);
  expect([...listed, ...aliases].filter((c) => !SUBCOMMANDS.has(c))).toEqual([]);
});
