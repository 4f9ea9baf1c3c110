import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBinary, startBinary } from '../support/binary.js';
import { waitForFile, writeFakeCodex } from '../support/fake-codex.js';
import { oauthEnv, startIdp } from '../support/idp.js';
import { tempDir } from '../support/run-main.js';

let codex: { dir: string; bin: string };
beforeAll(async () => {
  codex = await writeFakeCodex();
});

test('five codex-wrap processes started at the same moment make exactly one IdP request', async () => {
  const idp = await startIdp({ ttlSeconds: 60 });
  const home = await tempDir('cw-conc-');
  const env = {
    PATH: `${codex.dir}:${process.env.PATH}`,
    HOME: home,
    ...oauthEnv(idp, 'http://127.0.0.1:9/v1'),
    FAKE_CODEX_MODE: 'exit:0',
  };
  const results = await Promise.all([1, 2, 3, 4, 5].map(() => runBinary(['exec', 'x'], { env, cwd: home })));
  await idp.close();
  expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
  expect(idp.grants).toBe(1);
}, 60_000);

test('status shows a running session and forgets it when it ends; dead sessions are pruned', async () => {
  const home = await tempDir('cw-status-');
  const env = {
    PATH: `${codex.dir}:${process.env.PATH}`,
    HOME: home,
    MOCK_MODE: 'true',
    FAKE_CODEX_MODE: 'wait',
    FAKE_CODEX_REPORT: join(home, 'r.json'),
  };
  const sessions = join(home, '.local', 'state', 'codex-wrap', 'sessions');
  await mkdir(sessions, { recursive: true });
  await writeFile(join(sessions, '999999.json'), '{"pid":999999}'); // a session that died without cleaning up

  const { child, done } = startBinary(['exec', 'x'], { env, cwd: home });
  await waitForFile(join(home, 'r.json'));
  const table = await runBinary(['status'], { env, cwd: home });
  expect(table.code).toBe(0);
  expect(table.stdout.split('\n')[0]).toMatch(/^PID +MODE +TOKEN EXPIRES +LAST REFRESH +REFRESHES +REQUESTS +ERRORS +CWD$/);
  expect(table.stdout).toMatch(new RegExp(`^${child.pid} +mock +in \\d+s +- +0 +0 +0 +${home}$`, 'm'));
  const json = JSON.parse((await runBinary(['status', '--json'], { env, cwd: home })).stdout);
  expect(json).toEqual([expect.objectContaining({ pid: child.pid, mode: 'mock', cwd: home, requestsProxied: 0 })]);

  child.kill('SIGTERM');
  await done;
  const after = await runBinary(['status'], { env, cwd: home });
  expect(after.stdout).toBe('no codex-wrap session is running\n');
}, 60_000);
