/** codex-wrap's own commands through main(): token, print-config, check, status. */
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sessionState } from '../support/session.js';
import { tempDir } from '../support/tmp.js';
import { useWorld } from '../support/world.js';

const w = useWorld();

describe('commands', () => {
  test('token prints the token and nothing else; under GitHub Actions it asks the runner to mask it', async () => {
    const r = await w.run(['token']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\S+\n$/);
    expect(await w.idp.isValid(r.stdout.trim())).toBe(true);
    expect(r.stderr).toBe('');
    const gh = await w.run(['token'], { GITHUB_ACTIONS: 'true' });
    expect(gh.stdout).toBe(r.stdout); // from the cache
    expect(gh.stderr).toBe(`::add-mask::${r.stdout}`);
  });

  test('`codex-wrap -- token` sends "token" to Codex as a prompt', async () => {
    await w.run(['--', 'token']);
    const rep = await w.readReport();
    expect(rep.argv.at(-1)).toBe('token');
  });

  test('print-config shows the profile and the command line, and changes nothing on disk', async () => {
    const codexHome = join(w.home, '.codex');
    await mkdir(codexHome);
    const mine = '# mine\nmodel_reasoning_effort = "high"\n';
    await writeFile(join(codexHome, 'codex-wrap.config.toml'), mine);
    const r = await w.run(['print-config']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `# ${codexHome}/codex-wrap.config.toml would be updated (config.toml is yours and stays as it is):\n# mine\nmodel_reasoning_effort = "high"`,
    );
    expect(r.stdout).toContain(`base_url = "${w.gateway.baseUrl}"`);
    expect(r.stdout).toMatch(/codex -p codex-wrap -c 'model="gpt-4-internal"' -c 'model_provider="codex-wrap"' .* --no-daemon\n$/);
    expect(r.stdout).toContain(`-c 'model_providers.codex-wrap.base_url="http://127.0.0.1:PORT/v1"'`);
    expect(await readFile(join(codexHome, 'codex-wrap.config.toml'), 'utf8')).toBe(mine);
    expect(w.idp.grants).toBe(0);
  });

  test('check: every line passes on a healthy setup; JSON too; no secret shown', async () => {
    const r = await w.run(['check']);
    expect(r.code).toBe(0);
    for (const line of ['✓ settings', '✓ token', '✓ gateway', '✓ codex', '✓ CODEX_HOME']) expect(r.stdout).toContain(line);
    expect(r.stdout).toContain('OAUTH_CLIENT_SECRET = [redacted]  (the environment)');
    expect(r.stdout).toContain('LLM_MODEL_NAME = gpt-4-internal  (default)');
    expect(r.stdout).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/models → HTTP 200/);
    expect(r.stdout).not.toContain(w.idp.clientSecret);
    const token = w.gateway.requests[0].authorization?.replace('Bearer ', '') as string;
    expect(r.stdout).not.toContain(token);
    const j = await w.run(['check', '--json']);
    const parsed = JSON.parse(j.stdout);
    expect(parsed.ok).toBe(true);
    expect(parsed.checks.map((c: { name: string }) => c.name)).toEqual(['settings', 'token', 'gateway', 'codex', 'CODEX_HOME']);
  });

  test('check: a broken setup fails its line and exits 1', async () => {
    const bad = await w.run(['check'], { OAUTH_CLIENT_SECRET: 'wrong-wrong' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ token +the IdP refused the token request: invalid_client/);
    expect(bad.stdout).toContain('✗ gateway    not called: no token');
    const settings = await w.run(['check', '--json'], { MAX_TOKENS: 'many' });
    expect(settings.code).toBe(1);
    expect(JSON.parse(settings.stdout).checks[0]).toMatchObject({ name: 'settings', ok: false });
  });

  test('a command rejects arguments it does not take', async () => {
    const r = await w.run(['status', '--all']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('codex-wrap -- status');
  });
});

describe('status in a hostile sessions dir', () => {
  test("a sessions dir linked to someone's files: nothing there is deleted, one warning", async () => {
    const victim = await tempDir('cw-victim-');
    await writeFile(join(victim, '999999.json'), '{"precious":true}');
    const state = join(w.home, 'state');
    await mkdir(join(state, 'codex-wrap'), { recursive: true });
    await symlink(victim, join(state, 'codex-wrap', 'sessions'));
    const r = await w.run(['status'], { XDG_STATE_HOME: state });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('is not a directory (a link?); not read');
    expect(await readFile(join(victim, '999999.json'), 'utf8')).toBe('{"precious":true}');
  });

  test('only its own regular state files are pruned; a linked one is left alone', async () => {
    const sessions = join(w.home, '.local', 'state', 'codex-wrap', 'sessions');
    await mkdir(sessions, { recursive: true });
    const victim = join(await tempDir('cw-victim-'), 'data.json');
    await writeFile(victim, 'keep');
    await symlink(victim, join(sessions, '999998.json'));
    await writeFile(join(sessions, '999997.json'), '{}');
    await w.run(['status']);
    expect(await readFile(victim, 'utf8')).toBe('keep');
    expect((await lstat(join(sessions, '999998.json'))).isSymbolicLink()).toBe(true);
    expect(await readdir(sessions)).toEqual(['999998.json']);
  });

  test('control characters from a state file are printed escaped', async () => {
    const sessions = join(w.home, '.local', 'state', 'codex-wrap', 'sessions');
    await mkdir(sessions, { recursive: true, mode: 0o700 });
    const state = sessionState({ pid: process.pid, cwd: '/tmp/\x1b]0;pwned\x07' });
    await writeFile(join(sessions, `${process.pid}.json`), JSON.stringify(state), { mode: 0o600 });
    const r = await w.run(['status']);
    expect(r.stdout).toContain('/tmp/\\x1b]0;pwned\\x07');
    expect(r.stdout).not.toContain('\x1b');
  });
});
