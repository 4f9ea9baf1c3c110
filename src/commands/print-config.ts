/** `codex-wrap print-config`: the profile file that would be written and the codex command line. A dry run. */
import { codexArgs } from '../codex/child.js';
import { planProfile, profileProvider, providerTable } from '../codex/config.js';
import { findCodex } from '../codex/spawn.js';
import type { Context } from '../context.js';

/** Quotes an argument for a POSIX shell, only when it needs it. Pure. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

const WHAT = { created: 'would be created', updated: 'would be updated', unchanged: 'is up to date' } as const;

export async function printConfig(ctx: Context): Promise<number> {
  const { settings, deps } = ctx;
  const plan = await planProfile(settings.codexHome, settings.model, profileProvider(settings));
  const lines = [`# ${plan.link} ${WHAT[plan.outcome]} (config.toml is yours and stays as it is):`, plan.after.trimEnd(), ''];
  const bin = await findCodex(deps, settings.codexBin).catch(() => 'codex');
  const address = settings.proxy ? 'http://127.0.0.1:PORT/v1' : (settings.baseUrl as URL).href;
  const args = codexArgs({ userArgs: [], model: settings.model, provider: providerTable(address) });
  lines.push(
    `# codex command line for the interactive TUI${settings.proxy ? ' (PORT is chosen at start)' : ''}; your codex arguments follow it:`,
    [bin, ...args].map(shellQuote).join(' '),
  );
  deps.stdout(`${lines.join('\n')}\n`);
  return 0;
}
