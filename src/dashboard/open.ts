/**
 * Opening the page in the user's browser, as Jupyter does: the login address goes into a private
 * HTML file that forwards to it, and the browser opens the file, so the token is never on a
 * command line another user could read.
 */
import { spawn } from 'node:child_process';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { privateDir, writeAtomic } from '../files.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The command that opens a file in the browser, or undefined where there is no desktop. Pure. */
export function openerFor(platform: NodeJS.Platform, env: Env): string[] | undefined {
  if (env.CI || env.SSH_CONNECTION) return undefined;
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open'] : undefined;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page that forwards to the login address. Pure. */
export function launchPage(url: string): string {
  const u = escapeHtml(url);
  return `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${u}"><title>codex-wrap dashboard</title><p><a href="${u}">Open the codex-wrap dashboard</a></p>\n`;
}

/** Opens the login address; returns what removes the file again. Failing to open is not an error: the address is printed. */
export async function openBrowser(
  url: string,
  o: { opener: string[]; dir: string; uid?: number; pid: number },
): Promise<() => Promise<void>> {
  if (await privateDir(o.dir, o.uid)) return async () => {};
  const file = join(o.dir, `login-${o.pid}.html`);
  await writeAtomic(file, launchPage(url), 0o600, { durable: false });
  const [command, ...args] = o.opener;
  const child = spawn(command, [...args, file], { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
  return () => unlink(file).catch(() => {});
}
