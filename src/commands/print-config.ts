/** `codex-wrap print-config`: the config.toml that would be written and the codex command line. A dry run. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadToml, providerTable, renderCodexConfig } from '../codex-config.js';
import { codexArgs } from '../command.js';
import type { Context } from '../context.js';
import { findCodex } from '../run.js';

/** Quotes an argument for a POSIX shell, only when it needs it. Pure. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function printConfig(ctx: Context): Promise<number> {
  const { settings: s, d } = ctx;
  const path = join(s.codexHome, 'config.toml');
  const lines: string[] = [];
  if (s.baseUrl) {
    const before = await readFile(path, 'utf8').catch(() => undefined);
    const after = renderCodexConfig(await loadToml(), before ?? '', s.model, providerTable(s.baseUrl.href), path);
    const what = before === undefined ? 'would be created' : after === before ? 'is up to date' : 'would be updated';
    lines.push(`# ${path} ${what}:`, after.trimEnd(), '');
  } else {
    lines.push(`# ${path} is left alone (MOCK_MODE without a gateway: the provider goes on the command line)`, '');
  }
  const bin = await findCodex({ codexBin: s.codexBin, path: d.env.PATH ?? '', cwd: d.cwd, self: d.self }).catch(() => 'codex');
  const args = codexArgs({
    userArgs: [],
    model: s.model,
    provider: s.baseUrl ? undefined : providerTable('http://127.0.0.1/v1'),
    proxyBaseUrl: s.proxy ? 'http://127.0.0.1:PORT/v1' : undefined,
  });
  lines.push(
    `# codex command line for the interactive TUI${s.proxy ? ' (PORT is chosen at start)' : ''}; your codex arguments follow it:`,
    [bin, ...args].map(shellQuote).join(' '),
  );
  d.stdout(`${lines.join('\n')}\n`);
  return 0;
}
