/** `codex-wrap print-config`: the config.toml that would be written and the codex command line. A dry run. */
import { join } from 'node:path';
import { codexArgs } from '../codex/child.js';
import { planCodexConfig, providerPlacement } from '../codex/config.js';
import { findCodex } from '../codex/spawn.js';
import type { Context } from '../context.js';

/** Quotes an argument for a POSIX shell, only when it needs it. Pure. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

const WHAT = { created: 'would be created', updated: 'would be updated', unchanged: 'is up to date' } as const;

export async function printConfig(ctx: Context): Promise<number> {
  const { settings, deps } = ctx;
  const lines: string[] = [];
  const { file, argv } = providerPlacement(settings);
  if (file) {
    const plan = await planCodexConfig(settings.codexHome, settings.model, file);
    lines.push(`# ${plan.link} ${WHAT[plan.outcome]}:`, plan.after.trimEnd(), '');
  } else {
    lines.push(
      `# ${join(settings.codexHome, 'config.toml')} is left alone (MOCK_MODE without a gateway: the provider goes on the command line)`,
      '',
    );
  }
  const bin = await findCodex(deps, settings.codexBin).catch(() => 'codex');
  const args = codexArgs({
    userArgs: [],
    model: settings.model,
    provider: argv,
    proxyBaseUrl: settings.proxy ? 'http://127.0.0.1:PORT/v1' : undefined,
  });
  lines.push(
    `# codex command line for the interactive TUI${settings.proxy ? ' (PORT is chosen at start)' : ''}; your codex arguments follow it:`,
    [bin, ...args].map(shellQuote).join(' '),
  );
  deps.stdout(`${lines.join('\n')}\n`);
  return 0;
}
