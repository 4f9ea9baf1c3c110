import { launchFor } from '../../src/commands/dashboard.js';
import { launchPage, openerFor } from '../../src/dashboard/open.js';
import { parseArgs } from '../../src/settings/args.js';

test.each<[NodeJS.Platform, Record<string, string>, string[] | undefined]>([
  ['linux', { DISPLAY: ':0' }, ['xdg-open']],
  ['linux', { WAYLAND_DISPLAY: 'wayland-0' }, ['xdg-open']],
  ['linux', {}, undefined],
  ['linux', { DISPLAY: ':0', CI: 'true' }, undefined],
  ['linux', { DISPLAY: ':0', SSH_CONNECTION: '1 2 3 4' }, undefined],
  ['darwin', {}, ['open']],
  ['win32', {}, ['cmd', '/c', 'start', '""']],
])('%s %j opens with %j', (platform, env, opener) => {
  expect(openerFor(platform, env)).toEqual(opener);
});

test('the launch page forwards to the address, escaped', () => {
  const page = launchPage('http://127.0.0.1:1/?token=a"b<c');
  expect(page).toContain('content="0;url=http://127.0.0.1:1/?token=a&#34;b&#60;c"');
  expect(page).not.toContain('a"b');
});

test("runs start codex-wrap again with the dashboard's settings", () => {
  const args = parseArgs(
    ['--env-file', 'team.env', '--env-file', '/abs/x.env', '--mock', '--llm-model', 'm', '--no-cache', 'dashboard'],
    {},
  );
  const launch = launchFor({ env: { PATH: '/bin', LLM_MODEL_NAME: 'env' }, cwd: '/work', launcher: ['/node', '/bin/codex-wrap.js'] }, args);
  expect(launch.command).toBe('/node');
  expect(launch.args).toEqual(['/bin/codex-wrap.js', '--env-file', '/work/team.env', '--env-file', '/abs/x.env', '--no-cache']);
  expect(launch.env).toEqual({ PATH: '/bin', LLM_MODEL_NAME: 'm', MOCK_MODE: 'true' });
});
