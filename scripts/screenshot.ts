/**
 * `npm run screenshot`: the README's pictures of the dashboard (docs/dashboard.png, and
 * docs/dashboard-dark.png in dark mode), taken from a real run: the built codex-wrap, the pinned
 * real Codex, a mock token and a small fake gateway on 127.0.0.1, Debian's Chromium.
 * One run lists a directory and answers; a second one is still running its command.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserAvailable, CHROMIUM, launchBrowser } from '../tests/support/browser.js';
import { offlineCodexHome, startDashboardProcess } from '../tests/support/dashboard.js';
import { CODEX_BIN } from '../tests/support/real-codex.js';
import { type Handler, startUpstream, toolModel } from '../tests/support/upstream.js';

if (!browserAvailable()) {
  console.error(`screenshot: no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  process.exit(1);
}
const root = fileURLToPath(new URL('..', import.meta.url));
// Not under /tmp: Codex would warn on the page that it makes no helper links in a temporary directory.
await mkdir(join(root, '.build'), { recursive: true });
const home = await mkdtemp(join(root, '.build', 'screenshot-home-'));
const project = join(home, 'projects', 'billing-service');
await mkdir(join(project, 'src'), { recursive: true });
for (const f of ['README.md', 'package.json', 'src/invoice.ts']) await writeFile(join(project, f), '');

const list = toolModel('ls', 'This is a small TypeScript service: `package.json`, a README and the invoice code under `src/`.');
const tests = toolModel('sleep 20', 'The tests passed.');
const handler: Handler = (req, res, body) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4-internal', object: 'model' }] }));
  }
  return body.includes('Run the tests') ? tests(req, res, body) : list(req, res, body);
};
const gateway = await startUpstream({ handler });
const env = {
  ...process.env,
  HOME: home,
  CODEX_HOME: await offlineCodexHome(join(home, '.codex')),
  CODEX_BIN,
  MOCK_MODE: 'true',
  LLM_API_BASE_URL: gateway.baseUrl,
  LLM_MODEL_NAME: 'gpt-4-internal',
  XDG_STATE_HOME: join(home, '.local', 'state'),
};
const dashboard = await startDashboardProcess({ env, cwd: project });
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(dashboard.loginUrl);
  const start = async (prompt: string) => {
    await page.fill('#dir', project);
    await page.fill('#prompt', prompt);
    await page.click('#start');
  };
  await start('What is in this directory?');
  await page.waitForSelector('.run[data-state="succeeded"] .answer', { timeout: 60_000 });
  await start('Run the tests and tell me whether they pass.');
  await page.waitForSelector('.run[data-state="running"] .item[data-kind="command"]', { timeout: 60_000 });
  await page.waitForSelector('#sessions tbody tr', { timeout: 10_000 });
  await page.click('#check');
  await page.waitForSelector('#checks li', { timeout: 60_000 });
  await page.waitForTimeout(1500);
  await mkdir(join(root, 'docs'), { recursive: true });
  await page.screenshot({ path: join(root, 'docs', 'dashboard.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(root, 'docs', 'dashboard-dark.png'), fullPage: true });
  await page.click('.run[data-state="running"] button.stop');
  await page.waitForSelector('.run[data-state="stopped"]', { timeout: 20_000 });
  console.log('screenshot: docs/dashboard.png and docs/dashboard-dark.png');
} finally {
  await browser.close();
  await dashboard.stop();
  await gateway.close();
  await rm(home, { recursive: true, force: true });
}
