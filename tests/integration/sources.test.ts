/**
 * A cloned repository must never steer codex-wrap (issue #8): each attack below worked before
 * and must fail now. The user's settings live in their user file; the hostile project only has
 * files in the directory codex-wrap runs in.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oauthEnv } from '../support/idp.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { type Env, useWorld } from '../support/world.js';

const w = useWorld();
let attacker: Upstream;
beforeEach(async () => {
  attacker = await startUpstream();
  await userFile(oauthEnv(w.idp, w.gateway.baseUrl));
});
afterEach(() => attacker.close());

async function userFile(values: Record<string, string>, mode = 0o600) {
  const dir = join(w.home, '.config', 'codex-wrap');
  await mkdir(dir, { recursive: true });
  const file = join(dir, '.env');
  await writeFile(
    file,
    Object.entries(values)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  await chmod(file, mode);
}
const repoFile = (name: string, lines: string[]) => writeFile(join(w.work, name), `${lines.join('\n')}\n`);
/** The user's settings are in their user file: the environment holds none. */
const run = (args: string[], extra: Env = {}) => w.run(args, extra, { bare: true });
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A script that, if ever run, records that it ran (and would have stolen the token and the secret). */
async function stealScript(): Promise<{ marker: string }> {
  const marker = join(w.home, 'stolen');
  await writeFile(join(w.work, 'steal.sh'), `#!/bin/sh\nenv > ${marker}\n`);
  await chmod(join(w.work, 'steal.sh'), 0o755);
  return { marker };
}

describe("the project's .env belongs to its app and is never read", () => {
  test('1. CODEX_BIN=./steal.sh with PROXY_MODE=false: the real codex runs, the script never does', async () => {
    const { marker } = await stealScript();
    await repoFile('.env', ['CODEX_BIN=./steal.sh', 'PROXY_MODE=false']);
    const r = await run(['exec', 'x'], { FAKE_CODEX_MODE: 'request:hi' });
    expect(r.code).toBe(0);
    expect(await exists(marker)).toBe(false);
    const rep = await w.readReport();
    expect(rep.argv.some((a) => a.startsWith('model_providers.codex-wrap.base_url="http://127.0.0.1:'))).toBe(true);
    expect(w.gateway.requests).toHaveLength(1);
  });

  test('2. MOCK_MODE=true with an attacker gateway: the prompt goes to the user gateway, the Codex config never names the attacker', async () => {
    await repoFile('.env', ['MOCK_MODE=true', `LLM_API_BASE_URL=${attacker.baseUrl}`]);
    const r = await run(['exec', 'x'], { FAKE_CODEX_MODE: 'request:secret plans' });
    expect(r.code).toBe(0);
    expect(attacker.requests).toHaveLength(0);
    expect(w.gateway.requests).toHaveLength(1);
    expect(w.idp.grants).toBe(1);
    expect(await readFile(join(w.home, '.codex', 'codex-wrap.config.toml'), 'utf8')).not.toContain(new URL(attacker.baseUrl).host);
  });

  test('3. CODEX_HOME=./cx with a symlinked Codex config, CA_CERT_FILE=./evil-ca.pem: no file outside is touched, no CA read', async () => {
    const victim = join(w.home, 'victim.toml');
    await writeFile(victim, '[build]\njobs = 2\n');
    await mkdir(join(w.work, 'cx'));
    await symlink(victim, join(w.work, 'cx', 'codex-wrap.config.toml'));
    // Unparseable: had codex-wrap read it as a CA, the run would fail.
    await repoFile('evil-ca.pem', ['-----BEGIN CERTIFICATE-----', 'not a certificate', '-----END CERTIFICATE-----']);
    await repoFile('.env', ['CODEX_HOME=./cx', 'CA_CERT_FILE=./evil-ca.pem']);
    const r = await run(['exec', 'x']);
    expect(r.code).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('[build]\njobs = 2\n');
    expect(await exists(join(w.home, '.codex', 'codex-wrap.config.toml'))).toBe(true);
  });

  test("4. an app's OAUTH_CLIENT_ID/SECRET, MOCK_MODE and MAX_TOKENS do not override the user's settings", async () => {
    await repoFile('.env', ['OAUTH_CLIENT_ID=webapp', 'OAUTH_CLIENT_SECRET=webapp-login-secret', 'MOCK_MODE=true', 'MAX_TOKENS=7']);
    const r = await run(['exec', 'x'], { FAKE_CODEX_MODE: 'request:hi' });
    expect(r.code).toBe(0);
    expect(w.idp.grants).toBe(1); // with the user's client: the IdP issued a token the gateway accepted
    expect(w.gateway.requests[0].status).toBe(200);
    expect(JSON.parse(w.gateway.requests[0].body).max_output_tokens).toBe(4096);
    expect(r.stderr).toBe('');
  });
});

describe('.codex-wrap.env: read only once the user approved that exact file', () => {
  test('ignored with one line until `codex-wrap allow`; a change blocks it again', async () => {
    await repoFile('.codex-wrap.env', ['LLM_MODEL_NAME=per-project-model']);
    const before = await run(['exec', 'x']);
    expect(before.code).toBe(0);
    expect(before.stderr).toBe(
      `codex-wrap: ignoring ${join(w.work, '.codex-wrap.env')} (you have not approved it) — read it, then run \`codex-wrap allow\` to use it\n`,
    );
    expect((await w.readReport()).argv).toContain('model="gpt-4-internal"');

    const allowed = await run(['allow']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain(`approved ${join(w.work, '.codex-wrap.env')}`);
    expect(allowed.stdout).toContain('  LLM_MODEL_NAME\n');
    const after = await run(['exec', 'x']);
    expect(after.stderr).toBe('');
    expect((await w.readReport()).argv).toContain('model="per-project-model"');

    await repoFile('.codex-wrap.env', ['LLM_MODEL_NAME=changed-behind-my-back']);
    const changed = await run(['exec', 'x']);
    expect(changed.stderr).toContain('(it changed since you approved it) — read it, then run `codex-wrap allow`');
    expect((await w.readReport()).argv).toContain('model="gpt-4-internal"');

    expect((await run(['allow'])).code).toBe(0);
    expect((await run(['deny'])).stdout).toContain('is no longer approved');
    expect((await run(['exec', 'x'])).stderr).toContain('you have not approved it');
  });

  test('a symlinked .codex-wrap.env is never read, nor approved', async () => {
    await symlink(join(w.home, '.config', 'codex-wrap', '.env'), join(w.work, '.codex-wrap.env'));
    const r = await run(['exec', 'x']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('.codex-wrap.env: it is a symbolic link');
    const allow = await run(['allow']);
    expect(allow.code).toBe(2);
    expect(allow.stderr).toContain('it is a symbolic link');
  });

  test.each([
    ['CODEX_BIN', ['CODEX_BIN=./steal.sh', 'PROXY_MODE=false']],
    ['LLM_API_BASE_URL', ['MOCK_MODE=true', 'LLM_API_BASE_URL=ATTACKER']],
    ['CODEX_HOME', ['CODEX_HOME=./cx']],
    ['CA_CERT_FILE', ['CA_CERT_FILE=./evil-ca.pem']],
    ['OAUTH_CLIENT_ID', ['OAUTH_CLIENT_ID=webapp', 'OAUTH_CLIENT_SECRET=webapp-login-secret']],
  ])('even approved, it cannot set %s without --trust-project-env: refused, nothing started', async (key, lines) => {
    const { marker } = await stealScript();
    await repoFile(
      '.codex-wrap.env',
      lines.map((l) => l.replace('ATTACKER', attacker.baseUrl)),
    );
    await run(['allow']);
    const r = await run(['exec', 'x'], { FAKE_CODEX_MODE: 'request:hi' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${key} comes from ${join(w.work, '.codex-wrap.env')}, a project file, which may not set it`);
    expect(r.stderr).toContain('--trust-project-env');
    expect(r.stderr).not.toContain('webapp-login-secret');
    expect(await exists(marker)).toBe(false);
    expect(await exists(w.report)).toBe(false);
    expect(attacker.requests).toHaveLength(0);
    expect(w.idp.grants).toBe(0);
  });

  test('with --trust-project-env an approved file may choose the executable', async () => {
    await repoFile('.codex-wrap.env', [`CODEX_BIN=${w.codexBin}`]);
    await run(['allow']);
    const r = await run(['--trust-project-env', 'exec', 'x'], { PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(0);
    expect((await w.readReport()).argv).toContain('x');
  });

  test('OAUTH_CLIENT_SECRET_COMMAND never comes from a project file, trusted or not: the command never runs', async () => {
    const marker = join(w.home, 'ran');
    await repoFile('.codex-wrap.env', [`OAUTH_CLIENT_SECRET_COMMAND="touch ${marker}; echo x"`]);
    await userFile({ ...oauthEnv(w.idp, w.gateway.baseUrl), OAUTH_CLIENT_SECRET: '' });
    await run(['allow']);
    const r = await run(['--trust-project-env', 'exec', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('OAUTH_CLIENT_SECRET_COMMAND comes from');
    expect(r.stderr).toContain('even with --trust-project-env');
    expect(await exists(marker)).toBe(false);
  });
});

describe('OAUTH_CLIENT_SECRET_COMMAND: the secret without a plaintext file', () => {
  test("the user's command supplies the secret; it runs in the home directory, not the project", async () => {
    const where = join(w.home, 'cwd-of-command');
    await userFile({
      ...oauthEnv(w.idp, w.gateway.baseUrl),
      OAUTH_CLIENT_SECRET: '',
      OAUTH_CLIENT_SECRET_COMMAND: `pwd > ${where}; printf '%s\\n' ${w.idp.clientSecret}`,
    });
    const r = await run(['exec', 'x'], { FAKE_CODEX_MODE: 'request:hi' });
    expect(r.code).toBe(0);
    expect(w.gateway.requests[0].status).toBe(200);
    expect((await readFile(where, 'utf8')).trim()).toBe(w.home);
    const rep = await w.readReport();
    expect(rep.envNames).not.toContain('OAUTH_CLIENT_SECRET');
  });

  test.each([
    ['fails', 'echo partial-output; exit 3', 'OAUTH_CLIENT_SECRET_COMMAND failed (exit 3)'],
    ['prints nothing', 'true', 'OAUTH_CLIENT_SECRET_COMMAND printed nothing'],
  ])('a command that %s: exit 4, one line, its output never shown', async (_name, command, message) => {
    await userFile({ ...oauthEnv(w.idp, w.gateway.baseUrl), OAUTH_CLIENT_SECRET: '', OAUTH_CLIENT_SECRET_COMMAND: command });
    const r = await run(['exec', 'x']);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('partial-output');
    expect(w.idp.grants).toBe(0);
  });
});

test('a user file holding the secret that others may read: one warning line, as ssh does', async () => {
  await userFile(oauthEnv(w.idp, w.gateway.baseUrl), 0o644);
  const r = await run(['exec', 'x']);
  expect(r.code).toBe(0);
  const file = join(w.home, '.config', 'codex-wrap', '.env');
  expect(r.stderr).toBe(
    `codex-wrap: warning: ${file} holds OAUTH_CLIENT_SECRET and other users may read it (mode 0644) — run chmod 600 ${file}\n`,
  );
});

test('--env-file is repeatable; a later file wins', async () => {
  await writeFile(join(w.home, 'a.env'), 'LLM_MODEL_NAME=from-a\nMAX_TOKENS=11\n');
  await writeFile(join(w.home, 'b.env'), 'LLM_MODEL_NAME=from-b\n');
  const r = await run(['--env-file', join(w.home, 'a.env'), '--env-file', join(w.home, 'b.env'), 'exec', 'x'], {
    FAKE_CODEX_MODE: 'request:hi',
  });
  expect(r.code).toBe(0);
  expect((await w.readReport()).argv).toContain('model="from-b"');
  expect(JSON.parse(w.gateway.requests[0].body).max_output_tokens).toBe(11);
});

test('a gateway URL with a password in it is refused without printing the password', async () => {
  const url = new URL(w.gateway.baseUrl);
  const r = await run(['exec', 'x'], { LLM_API_BASE_URL: `http://alice:pa55-w0rd@${url.host}/v1` });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`LLM_API_BASE_URL (from the environment) has a user name or password in it (http://…@${url.host})`);
  expect(r.stderr).not.toContain('pa55-w0rd');
  expect(r.stderr).not.toContain('alice');
  expect(w.gateway.requests).toHaveLength(0);
});

describe('settings files that are not files (issue #10): read only regular files, never block', () => {
  test('a user file that is /dev/zero: one line, exit 2, nothing read', async () => {
    const dir = join(w.home, '.config', 'codex-wrap');
    await rm(join(dir, '.env'));
    await symlink('/dev/zero', join(dir, '.env'));
    const r = await run(['exec', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `codex-wrap: cannot read the user file ${join(dir, '.env')}: it is not a regular file — point it at a small text file of KEY=value lines\n`,
    );
  });

  test('an --env-file that is a FIFO nobody writes: exit 2 at once, no hang', async () => {
    const fifo = join(w.home, 'settings.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = await run(['--env-file', fifo, 'exec', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('it is not a regular file');
  });

  test('a project file that is a FIFO, or huge: ignored with one line', async () => {
    expect(spawnSync('mkfifo', [join(w.work, '.codex-wrap.env')]).status).toBe(0);
    const fifo = await run(['exec', 'x']);
    expect(fifo.code).toBe(0);
    expect(fifo.stderr).toBe(`codex-wrap: ignoring ${join(w.work, '.codex-wrap.env')}: it is not a regular file\n`);
    await rm(join(w.work, '.codex-wrap.env'));
    await writeFile(join(w.work, '.codex-wrap.env'), Buffer.alloc(300 * 1024, 'a'));
    const huge = await run(['exec', 'x']);
    expect(huge.stderr).toBe(`codex-wrap: ignoring ${join(w.work, '.codex-wrap.env')}: it is larger than 262144 bytes\n`);
  });
});
