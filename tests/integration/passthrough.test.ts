/**
 * A drop-in `codex` (issue #9): with `alias codex=codex-wrap`, model-free commands are plain Codex,
 * help and version show both, plain `codex` keeps its config, and nothing is written over the TUI.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../support/fake-codex.js';
import { runMain } from '../support/run-main.js';
import { useWorld } from '../support/world.js';

const w = useWorld();

describe('model-free Codex commands run as plain Codex', () => {
  test.each([[['completion', 'bash']], [['login', 'status']], [['mcp', 'list']], [['exec', '--help']], [['-V']], [['features', 'list']]])(
    '%j with no settings: argv verbatim, no key, no token, nothing written; its exit code is ours',
    async (args) => {
      const r = await w.run(args, { FAKE_CODEX_MODE: 'exit:7' }, { bare: true });
      expect(r.code).toBe(7);
      expect(r.stderr).toBe('');
      const rep = await w.readReport();
      expect(rep.argv).toEqual(args);
      expect(rep.keySet).toBe(false);
      expect(rep.envNames).not.toContain('CODEX_WRAP_SESSION');
      expect(w.idp.grants).toBe(0);
      await expect(stat(join(w.home, '.codex'))).rejects.toThrow('ENOENT');
      await expect(stat(join(w.home, '.cache'))).rejects.toThrow('ENOENT');
    },
  );

  test('with settings and the IdP down: still no IdP request, no error; the client secret stays out of Codex', async () => {
    await w.idp.close();
    const r = await w.run(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rep = await w.readReport();
    expect(rep.argv).toEqual(['completion', 'zsh']);
    expect(rep.envNames).not.toContain('OAUTH_CLIENT_SECRET');
    expect(rep.envHashes).not.toContain(sha256(w.idp.clientSecret));
  });

  test("codex-wrap's CODEX_BIN and CODEX_HOME settings apply; inside a codex-wrap session too", async () => {
    const codexHome = join(w.home, 'my-codex');
    const r = await w.run(['--codex-home', codexHome, 'features', 'list'], {
      PATH: '/usr/bin:/bin',
      CODEX_BIN: w.codexBin,
      CODEX_WRAP_SESSION: '1',
    });
    expect(r.code).toBe(0);
    expect((await w.readReport()).envHashes).toContain(sha256(codexHome));
  });
});

describe('help and version, as hub shows them', () => {
  test("--version: Codex's version line first (Codex runs with --version), then codex-wrap's", async () => {
    const r = await w.run(['--version'], {}, { bare: true });
    expect(r.code).toBe(0);
    expect((await w.readReport()).argv).toEqual(['--version']);
    expect(r.stdout).toBe('codex-wrap test\n');
  });

  test("--help: Codex's help, then codex-wrap's section", async () => {
    const r = await w.run(['--help'], {}, { bare: true });
    expect((await w.readReport()).argv).toEqual(['--help']);
    expect(r.stdout.startsWith('\nUsage: codex-wrap')).toBe(true);
  });

  test("without a Codex, codex-wrap's own part still prints", async () => {
    const r = await w.run(['--version'], { PATH: '/usr/bin:/bin' }, { bare: true });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'codex-wrap test\n', '']);
  });
});

describe('plain codex is unchanged by codex-wrap', () => {
  const configToml = () => join(w.home, '.codex', 'config.toml');

  test('a wrapped run selects its own profile; config.toml is not written', async () => {
    await mkdir(join(w.home, '.codex'));
    const mine = '# mine\nmodel = "o3"\nmodel_provider = "openai"\n\n[projects."/x"]\ntrust_level = "trusted"\n';
    await writeFile(configToml(), mine);
    const before = await stat(configToml());
    const r = await w.run(['exec', 'x']);
    expect(r.code).toBe(0);
    expect(await readFile(configToml(), 'utf8')).toBe(mine);
    expect((await stat(configToml())).mtimeMs).toBe(before.mtimeMs);
    expect((await w.readReport()).argv.slice(0, 2)).toEqual(['-p', 'codex-wrap']);
  });

  test('a config.toml an earlier codex-wrap pointed at itself is repaired once, with a note', async () => {
    await mkdir(join(w.home, '.codex'));
    const old = [
      '# my settings',
      'approval_policy = "never"',
      'model = "gpt-4-internal"',
      'model_provider = "codex-wrap"',
      '',
      '[model_providers.codex-wrap]',
      'name = "Enterprise LLM (codex-wrap)"',
      'base_url = "https://llm.example.com/v1"',
      'env_key = "CUSTOM_LLM_API_KEY"',
      '',
      '[projects."/x"]',
      'trust_level = "trusted"',
      '',
    ].join('\n');
    await writeFile(configToml(), old);
    const first = await w.run(['exec', 'x']);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      `codex-wrap: repaired ${configToml()}: removed the model_provider = "codex-wrap" an earlier codex-wrap set there, so plain codex uses your own settings again\n`,
    );
    expect(await readFile(configToml(), 'utf8')).toBe(old.replace('model = "gpt-4-internal"\nmodel_provider = "codex-wrap"\n', ''));
    const second = await w.run(['exec', 'x']);
    expect(second.stderr).toBe('');
  });

  test('CODEX_HOME from the settings reaches Codex, which reads the profile written there', async () => {
    const codexHome = join(w.home, 'elsewhere');
    const r = await w.run(['--codex-home', codexHome, 'exec', 'x']);
    expect(r.code).toBe(0);
    expect((await w.readReport()).envHashes).toContain(sha256(codexHome));
    expect(await readdir(codexHome)).toEqual(['codex-wrap.config.toml']);
  });
});

test('the TUI owns the terminal: --verbose goes to a log file whose path is said once, before Codex starts', async () => {
  await w.restartIdp(6);
  const r = await w.run(['--verbose'], { FAKE_CODEX_MODE: 'sleep:5.5' });
  expect(r.code).toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  const last = lines.at(-1) as string;
  expect(last).toMatch(/^codex-wrap: verbose log of this session: .*\/codex-wrap\/logs\/\d+\.log$/);
  expect(r.stderr).not.toContain('token: refreshed');
  const log = await readFile(last.split(': ').at(-1) as string, 'utf8');
  expect(log).toContain('token: refreshed');
  expect(log).toContain('codex exited with 0');
});

describe('check', () => {
  test('takes options after the command, fills the token cache, and a mock session with a named gateway uses the mock token', async () => {
    expect((await w.run(['check', '--verbose'])).code).toBe(0);
    expect((await w.run(['token'])).code).toBe(0);
    expect(w.idp.grants).toBe(1);
    const mock = await w.run(['check'], { MOCK_MODE: 'true' });
    expect(mock.stdout).toMatch(/✗ gateway +GET http:\/\/127\.0\.0\.1:\d+\/v1\/models → HTTP 401/);
    expect(mock.stdout).not.toContain('no token');
  });

  test('with broken settings it still reports codex and CODEX_HOME', async () => {
    const r = await runMain(['check'], { env: w.env({ MAX_TOKENS: 'lots' }), cwd: w.work, home: w.home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ settings +a setting is not usable; MAX_TOKENS/);
    expect(r.stdout).toContain('✗ token      not checked: the settings above are not usable');
    expect(r.stdout).toMatch(new RegExp(`✓ codex +${w.codexBin}`));
    expect(r.stdout).toMatch(/✓ CODEX_HOME/);
  });
});
