/**
 * `codex-wrap dashboard` over HTTP, as the built binary serves it: the login, the checks that keep
 * other web sites out, directory validation, runs through the session path, the live sessions
 * stream, and no secret in anything it sends.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { COOKIE } from '../../src/dashboard/access.js';
import { openBrowser } from '../../src/dashboard/open.js';
import { runBinary } from '../support/binary.js';
import { type DashboardProcess, startDashboardProcess } from '../support/dashboard.js';
import { call, readEvents, type SseEvent } from '../support/http-client.js';
import { useWorld } from '../support/world.js';

const w = useWorld({ ttlSeconds: 6 });
let d: DashboardProcess | undefined;
/** A second dashboard a test started, stopped after it. */
let d2: DashboardProcess | undefined;

afterEach(async () => {
  await d2?.stop();
  d2 = undefined;
  const out = d?.output();
  const done = await d?.stop();
  if (done && done.code !== 0) console.log(done, out);
  d = undefined;
  if (done) expect(done.code).toBe(0);
});

/** Starts the dashboard in w.work and signs in: the cookie and the headers of the page's own requests. */
async function open(extra: Record<string, string | undefined> = {}) {
  d = await startDashboardProcess({ env: w.env(extra), cwd: w.work });
  return { d, ...(await signIn(d)) };
}

/** Follows the printed link: the cookie, and the headers of the page's own requests. */
async function signIn(dashboard: DashboardProcess) {
  const login = await call(dashboard.port, { path: new URL(dashboard.loginUrl).pathname + new URL(dashboard.loginUrl).search });
  expect(login.status).toBe(303);
  const cookie = String(login.headers['set-cookie']).split(';')[0];
  const page = { cookie, origin: dashboard.origin, 'content-type': 'application/json' };
  return { cookie, page, login };
}

const postRun = (port: number, headers: Record<string, string>, body: unknown) =>
  call(port, { method: 'POST', path: '/api/runs', headers, body: JSON.stringify(body) });

test('the printed link signs in once, with an HttpOnly SameSite=Strict cookie; without it nothing is served', async () => {
  const { d, cookie, login } = await open();
  expect(login.headers.location).toBe('/');
  expect(login.headers['set-cookie']?.[0]).toMatch(new RegExp(`^${COOKIE}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
  for (const path of ['/', '/app.js', '/api/sessions', '/api/settings', '/api/events', '/api/runs']) {
    const r = await call(d.port, { path });
    expect([path, r.status]).toEqual([path, 401]);
    expect(r.body).toMatch(/open the link codex-wrap dashboard printed/);
  }
  // The link works once: another browser cannot use it again.
  const again = await call(d.port, { path: new URL(d.loginUrl).pathname + new URL(d.loginUrl).search });
  expect(again.status).toBe(403);
  expect((await call(d.port, { path: '/?token=guess' })).status).toBe(403);
  const page = await call(d.port, { headers: { cookie } });
  expect(page.status).toBe(200);
  expect(page.body).toMatch(/<title>codex-wrap dashboard<\/title>/);
  expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
  expect(page.headers['x-frame-options']).toBe('DENY');
  expect((await call(d.port, { path: '/app.js', headers: { cookie } })).headers['content-type']).toMatch(/javascript/);
  expect(d.output().stderr).toMatch(/the link signs in once; Ctrl-C stops the dashboard/);
});

test('another Host is refused even with the cookie (DNS rebinding); localhost is its own', async () => {
  const { d, cookie } = await open();
  for (const host of [`evil.example:${d.port}`, 'evil.example', `127.0.0.1:${d.port + 1}`]) {
    const r = await call(d.port, { path: '/api/sessions', headers: { cookie, host } });
    expect([host, r.status]).toEqual([host, 400]);
  }
  expect((await call(d.port, { path: '/api/sessions', headers: { cookie, host: `localhost:${d.port}` } })).status).toBe(200);
});

test('a state-changing request needs the dashboard’s own Origin and a JSON body', async () => {
  const { d, cookie, page } = await open();
  const body = { dir: w.work, prompt: 'hi' };
  expect((await postRun(d.port, { ...page, origin: 'http://evil.example' }, body)).status).toBe(403);
  expect((await postRun(d.port, { cookie, 'content-type': 'application/json' }, body)).status).toBe(403);
  expect((await postRun(d.port, { ...page, 'sec-fetch-site': 'cross-site' }, body)).status).toBe(403);
  expect((await call(d.port, { method: 'POST', path: '/api/check', headers: { cookie, origin: 'null' } })).status).toBe(403);
  // A form post (what a hostile page can send without CORS) is not JSON.
  const form = await call(d.port, { method: 'POST', path: '/api/runs', headers: { ...page, 'content-type': 'text/plain' }, body: 'x' });
  expect(form.status).toBe(415);
  expect((await call(d.port, { path: '/api/runs', headers: { cookie } })).body).toBe('{"runs":[]}');
});

test('a run needs an existing directory of the user and a prompt; each problem is said in one line', async () => {
  const { d, page } = await open();
  await writeFile(join(w.work, 'file'), '');
  const cases: Array<[unknown, string]> = [
    [{ dir: join(w.work, 'missing'), prompt: 'x' }, `${join(w.work, 'missing')} does not exist`],
    [{ dir: join(w.work, 'file'), prompt: 'x' }, `${join(w.work, 'file')} is not a directory`],
    [{ dir: 'relative/dir', prompt: 'x' }, 'relative/dir is not an absolute path'],
    [{ dir: '', prompt: 'x' }, 'give the directory to run Codex in'],
    [{ dir: w.work, prompt: '  ' }, 'write a prompt for Codex'],
    [{ dir: w.work }, 'write a prompt for Codex'],
  ];
  for (const [body, error] of cases) {
    const r = await postRun(d.port, page, body);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toContain(error);
  }
  const bad = await call(d.port, { method: 'POST', path: '/api/runs', headers: page, body: '[1' });
  expect([bad.status, JSON.parse(bad.body).error]).toEqual([400, 'the body is not a JSON object']);
  expect((await call(d.port, { path: '/api/runs', headers: { cookie: page.cookie } })).body).toBe('{"runs":[]}');
});

test('a run goes through the session path (token, proxy) and streams what Codex prints', async () => {
  const { d, page } = await open({ FAKE_CODEX_MODE: 'request:from the page' });
  const events = await readEvents(d.port, { cookie: page.cookie });
  const r = await postRun(d.port, page, { dir: w.work, prompt: 'the prompt, on stdin' });
  expect(r.status).toBe(201);
  const { run } = JSON.parse(r.body);
  expect(run).toMatchObject({ id: '1', dir: w.work, state: 'running' });
  const ended = (await events.next((e) => e.event === 'run' && (e.data as { run: { state: string } }).run.state !== 'running')) as SseEvent;
  expect((ended.data as { run: unknown }).run).toMatchObject({ id: '1', state: 'succeeded', exitCode: 0 });
  const items = events.events.filter((e) => e.event === 'item').map((e) => (e.data as { item: { text: string } }).item.text);
  expect(items).toContain('upstream says: from the page');
  events.close();
  // Codex ran in the chosen directory, as `exec --json -`, with the prompt on stdin, through the proxy.
  const report = await w.readReport();
  expect(report.cwd).toBe(w.work);
  expect(report.argv.slice(-4)).toEqual(['exec', '--json', '--skip-git-repo-check', '-']);
  expect(w.gateway.requests.filter((q) => q.path.endsWith('/responses')).map((q) => q.status)).toEqual([200]);
  const listed = JSON.parse((await call(d.port, { path: '/api/runs', headers: { cookie: page.cookie } })).body).runs;
  expect(listed).toEqual([expect.objectContaining({ id: '1', state: 'succeeded' })]);
});

test('Stop ends a running run, Codex included; a stopped run cannot be stopped again', async () => {
  const { d, page } = await open({ FAKE_CODEX_MODE: 'wait' });
  const events = await readEvents(d.port, { cookie: page.cookie });
  const { run } = JSON.parse((await postRun(d.port, page, { dir: w.work, prompt: 'a long one' })).body);
  // The fake Codex has started once it wrote its report.
  for (let i = 0; i < 100 && !(await readFile(w.report, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 100));
  const stop = await call(d.port, { method: 'POST', path: `/api/runs/${run.id}/stop`, headers: page, body: '{}' });
  expect(stop.status).toBe(202);
  const ended = await events.next((e) => e.event === 'run' && (e.data as { run: { state: string } }).run.state !== 'running');
  expect((ended.data as { run: unknown }).run).toMatchObject({ state: 'stopped' });
  expect((await w.readReport()).signals).toContain('SIGTERM');
  const again = await call(d.port, { method: 'POST', path: `/api/runs/${run.id}/stop`, headers: page, body: '{}' });
  expect(again.status).toBe(409);
  events.close();
});

test('Ctrl-C stops the dashboard and the runs it started, and exits 0', async () => {
  const { d, page } = await open({ FAKE_CODEX_MODE: 'wait' });
  await postRun(d.port, page, { dir: w.work, prompt: 'left running' });
  for (let i = 0; i < 100 && !(await readFile(w.report, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 100));
  const done = await d.stop();
  expect(done.code).toBe(0);
  expect((await w.readReport()).signals).toContain('SIGTERM');
  await expect(call(d.port, { path: '/' })).rejects.toThrow(/ECONNREFUSED/);
});

test('the stream shows a session starting, refreshing and ending', async () => {
  const { d, page } = await open();
  const events = await readEvents(d.port, { cookie: page.cookie });
  type Sessions = { sessions: Array<{ pid: number; refreshes: number; lastRefreshOutcome?: string; model?: string }> };
  // A session of another process (its pid is the test's own: alive) with 6-second tokens, refreshed while Codex sleeps.
  const session = w.run(['exec', 'x'], { FAKE_CODEX_MODE: 'sleep:8' });
  const started = await events.next((e) => e.event === 'sessions' && (e.data as Sessions).sessions.some((s) => s.pid === process.pid));
  expect((started.data as Sessions).sessions[0]).toMatchObject({ pid: process.pid, refreshes: 0, model: 'gpt-4-internal' });
  const refreshed = await events.next(
    (e) => e.event === 'sessions' && (e.data as Sessions).sessions.some((s) => s.pid === process.pid && s.refreshes >= 1),
  );
  expect((refreshed.data as Sessions).sessions[0].lastRefreshOutcome).toBe('ok');
  expect((await session).code).toBe(0);
  const at = events.events.indexOf(refreshed);
  await events.next((e) => events.events.indexOf(e) > at && e.event === 'sessions' && (e.data as Sessions).sessions.length === 0);
  events.close();
}, 30_000);

test('no secret and no token in any page, answer or event', async () => {
  const { d, page, login } = await open({ FAKE_CODEX_MODE: 'request:hello' });
  const loginToken = new URL(d.loginUrl).searchParams.get('token') as string;
  const cookieValue = page.cookie.split('=')[1];
  const events = await readEvents(d.port, { cookie: page.cookie });
  const bodies = [login.body];
  for (const path of ['/', '/app.js', '/style.css', '/api/sessions', '/api/settings', '/api/runs']) {
    bodies.push((await call(d.port, { path, headers: { cookie: page.cookie } })).body);
  }
  const check = await call(d.port, { method: 'POST', path: '/api/check', headers: page, body: '{}' });
  expect(JSON.parse(check.body).checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toContainEqual(['token', true]);
  bodies.push(check.body);
  bodies.push((await postRun(d.port, page, { dir: w.work, prompt: 'hi' })).body);
  await events.next((e) => e.event === 'run' && (e.data as { run: { state: string } }).run.state === 'succeeded');
  bodies.push(events.raw(), d.output().stdout.replace(d.loginUrl, ''), d.output().stderr);
  events.close();
  // The tokens the IdP issued, as the gateway received them (the check's own and the run's).
  const tokens = [...new Set(w.gateway.requests.map((q) => (q.authorization ?? '').replace(/^Bearer /, '')))];
  expect(tokens.length).toBeGreaterThanOrEqual(1);
  const settings = JSON.parse(bodies[5]).settings;
  expect(settings.OAUTH_CLIENT_SECRET).toEqual({ value: '[redacted]', from: 'the environment' });
  expect(settings.TOKEN_REFRESH_INTERVAL).toEqual({ value: '900', from: 'default' });
  for (const body of bodies) {
    for (const secret of [w.idp.clientSecret, loginToken, cookieValue, ...tokens]) expect(body).not.toContain(secret);
  }
});

test('a port that is taken: one line that says what to do, exit 2', async () => {
  const taken = http.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as AddressInfo).port;
  const r = await runBinary(['dashboard', '--no-open', '--port', String(port)], { env: w.env(), cwd: w.work });
  await new Promise<void>((r) => taken.close(() => r()));
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    `codex-wrap: port ${port} cannot be used (EADDRINUSE) — pick another with --port, or leave --port out for any free port\n`,
  );
});

test('the browser opens a private page that forwards to the link, never the link on a command line', async () => {
  const dir = join(w.home, 'dashboard');
  const url = 'http://127.0.0.1:1/?token=abc';
  const remove = await openBrowser(url, { opener: ['/bin/true'], dir, uid: process.getuid?.(), pid: 77 });
  const file = join(dir, 'login-77.html');
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect((await stat(dir)).mode & 0o777).toBe(0o700);
  expect(await readFile(file, 'utf8')).toContain('url=http://127.0.0.1:1/?token=abc');
  await remove();
  await expect(stat(file)).rejects.toThrow(/ENOENT/);
});

test('settings show an approved project file’s values, and which of them a session would refuse', async () => {
  await writeFile(join(w.work, '.codex-wrap.env'), 'LLM_MODEL_NAME=project-model\nLLM_API_BASE_URL=https://evil.example/v1\n');
  expect((await w.run(['allow'])).code).toBe(0);
  const { d, cookie } = await open();
  const { settings } = JSON.parse((await call(d.port, { path: '/api/settings', headers: { cookie } })).body);
  expect(settings.LLM_MODEL_NAME).toEqual({ value: 'project-model', from: expect.stringContaining('.codex-wrap.env') });
  // The environment's gateway wins; were it unset, the project's would be refused, and says so.
  expect(settings.LLM_API_BASE_URL.from).toBe('the environment');
  await d.stop();
  d2 = await startDashboardProcess({ env: w.env({ LLM_API_BASE_URL: undefined }), cwd: w.work });
  const { cookie: cookie2 } = await signIn(d2);
  const again = JSON.parse((await call(d2.port, { path: '/api/settings', headers: { cookie: cookie2 } })).body).settings;
  expect(again.LLM_API_BASE_URL).toEqual({
    value: 'https://evil.example/v1',
    from: expect.stringMatching(/\.codex-wrap\.env — refused: needs --trust-project-env$/),
  });
});
