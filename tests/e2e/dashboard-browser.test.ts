/**
 * The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core. The
 * built codex-wrap serves the page; tasks run the pinned real Codex. CI installs Chromium and sets
 * CODEX_WRAP_BROWSER_TESTS=required, so there these tests cannot be skipped.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBinary } from '../support/binary.js';
import { browserAvailable, browserRequired, CHROMIUM, launchBrowser } from '../support/browser.js';
import { type DashboardProcess, offlineCodexHome, startDashboardProcess } from '../support/dashboard.js';
import { writeFakeCodex } from '../support/fake-codex.js';
import { CODEX_BIN } from '../support/real-codex.js';
import { tempDir } from '../support/tmp.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const available = browserAvailable();
if (!available && !browserRequired()) {
  process.stderr.write(
    `dashboard browser tests skipped: no Chromium at ${CHROMIUM}; to run them: apt-get install -y chromium (or set CHROMIUM_PATH)\n`,
  );
}
const suite = available || browserRequired() ? describe : describe.skip;

/** Polls from the test's side: the page's policy forbids evaluating strings, as it should. */
async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('the dashboard in a real browser', () => {
  let browser: Browser;
  let dashboard: DashboardProcess | undefined;
  let gateway: Upstream | undefined;
  let problems: string[];
  let page: Page | undefined;
  /** What a test started beside the dashboard, ended after it whatever happened. */
  let cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    if (!available)
      throw new Error(`CODEX_WRAP_BROWSER_TESTS=required, but there is no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    // The page goes first: once the dashboard stops, its stream's reconnection attempts are refused.
    await page?.close();
    page = undefined;
    const seen = problems;
    for (const end of cleanup) await end();
    cleanup = [];
    await dashboard?.stop();
    await gateway?.close();
    dashboard = undefined;
    gateway = undefined;
    // The page broke none of its own rules: no script error, no Content-Security-Policy violation.
    expect(seen).toEqual([]);
  });

  /** A home with an offline Codex home, and the settings of a MOCK_MODE dashboard started there. */
  async function setUp(extra: Record<string, string> = {}) {
    const home = await tempDir('browser-home-');
    const work = join(home, 'project');
    await mkdir(work);
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      CODEX_HOME: await offlineCodexHome(join(home, '.codex')),
      MOCK_MODE: 'true',
      ...extra,
    };
    dashboard = await startDashboardProcess({ env: { ...env, CODEX_BIN }, cwd: home });
    return { home, work, env, dashboard };
  }

  async function openPage(d: DashboardProcess): Promise<Page> {
    page = await browser.newPage();
    problems = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      // A refused directory is answered 400 on purpose; the browser logs every such answer.
      if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push(m.text());
    });
    await page.goto(d.loginUrl);
    return page;
  }

  test('sessions appear and leave live, their countdown moves; a MOCK_MODE task shows the mock answer', async () => {
    const { work, env, dashboard: d } = await setUp();
    const page = await openPage(d);
    // The login link leaves the address bar at once.
    expect(page.url()).toBe(`${d.origin}/`);
    await page.waitForSelector('#connection[data-state="live"]');
    await expect(page.textContent('#no-sessions')).resolves.toMatch(/No codex-wrap session is running/);

    // A session started elsewhere (a terminal), with a Codex that just waits.
    const fake = await writeFakeCodex();
    const session = startBinary(['exec', 'x'], { env: { ...env, CODEX_BIN: fake.bin, FAKE_CODEX_MODE: 'sleep:60' }, cwd: work });
    cleanup.push(() => session.child.kill('SIGKILL'));
    const row = `#sessions tbody tr[data-pid="${session.child.pid}"]`;
    await page.waitForSelector(row, { timeout: 15_000 });
    await expect(page.textContent(`${row} td.dir`)).resolves.toBe(work);
    await expect(page.textContent(`${row} td:nth-child(3)`)).resolves.toBe('mock');
    const before = await page.textContent(`${row} .countdown`);
    expect(before).toMatch(/^in 1[45] m \d\d s$/);
    await until(async () => (await page.textContent(`${row} .countdown`)) !== before, 5000);

    // A task from the page: the real Codex, the built-in mock model.
    await page.fill('#dir', work);
    await page.fill('#prompt', 'hello from the browser');
    await page.click('#start');
    const answer = await page.waitForSelector('.run[data-state="succeeded"] .answer', { timeout: 60_000 });
    expect(await answer.textContent()).toContain('[codex-wrap mock model] You said: hello from the browser');

    // A bad directory is refused on the page, in one line.
    await page.fill('#dir', join(work, 'missing'));
    await page.fill('#prompt', 'x');
    await page.click('#start');
    await until(async () => (await page.textContent('#start-error'))?.includes('does not exist') ?? false, 10_000);

    // The session ends: its row goes.
    session.child.kill('SIGTERM');
    await session.done;
    await page.waitForSelector(row, { state: 'detached', timeout: 10_000 });

    // The check button: every line ✓ in MOCK_MODE.
    await page.click('#check');
    await page.waitForSelector('#checks li[data-check="codex"]', { timeout: 30_000 });
    expect(
      await page.$$eval('#checks li', (items) => items.map((i) => `${i.getAttribute('data-check')} ${i.getAttribute('data-ok')}`)),
    ).toEqual(['settings true', 'token true', 'gateway true', 'codex true', 'CODEX_HOME true']);
    await expect(page.textContent('#settings tr[data-key="TOKEN_REFRESH_INTERVAL"]')).resolves.toMatch(/900\s*default/);
  }, 120_000);

  test('Stop ends a long task', async () => {
    // A gateway that takes the request and never answers: Codex waits until stopped.
    let asked = 0;
    gateway = await startUpstream({
      handler: () => {
        asked++;
      },
    });
    const { work, dashboard: d } = await setUp({ LLM_API_BASE_URL: gateway.baseUrl });
    const page = await openPage(d);
    await page.fill('#dir', work);
    await page.fill('#prompt', 'a task that takes long');
    await page.click('#start');
    await page.waitForSelector('.run[data-state="running"] button.stop');
    for (let i = 0; i < 300 && asked === 0; i++) await page.waitForTimeout(100);
    expect(asked).toBeGreaterThan(0);
    await page.click('.run[data-state="running"] button.stop');
    await page.waitForSelector('.run[data-state="stopped"]', { timeout: 15_000 });
    await expect(page.textContent('.run .state')).resolves.toBe('stopped');
  }, 120_000);
});
