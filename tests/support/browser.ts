/**
 * Headless Chromium from the distribution's package (`apt-get install chromium`), driven by
 * playwright-core: it never downloads a browser of its own. CI installs it and sets
 * CODEX_WRAP_BROWSER_TESTS=required; elsewhere the browser tests skip with one line when it is missing.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** As root in a container, with no network: no sandbox, no GPU, nothing Chromium fetches on its own. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const browserAvailable = () => existsSync(CHROMIUM);
export const browserRequired = () => process.env.CODEX_WRAP_BROWSER_TESTS === 'required';

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}
