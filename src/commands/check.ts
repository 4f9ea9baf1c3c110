/**
 * `codex-wrap check [--json]`: settings (where each came from, secrets redacted), a token, the
 * gateway, codex, CODEX_HOME and config.toml — ✓/✗ per line; exit 0 only if every line passes.
 */
import { constants } from 'node:fs';
import type { ChalkInstance } from 'chalk';
import { execa } from 'execa';
import { type Provider, planProfile, profileProvider, untouchable } from '../codex/config.js';
import { findCodex } from '../codex/spawn.js';
import { type Context, loadContext, resolveQuietly } from '../context.js';
import type { Deps } from '../deps.js';
import { describeFailure, WrapError } from '../errors.js';
import { access, stat } from '../fs.js';
import { createLogger, type Logger } from '../log.js';
import type { Parsed } from '../settings/args.js';
import { KEYS, spec } from '../settings/resolve.js';
import { tokenSource } from '../token/chain.js';
import { jwtClaims, MOCK_TOKEN } from '../token/source.js';
import { createSpinner, paint } from '../ui.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const failure = (err: unknown) => describeFailure(err, false).text.replace(/^codex-wrap: /, '');

async function tokenCheck(ctx: Context): Promise<{ check: Check; token?: string }> {
  const { settings, deps } = ctx;
  if (!settings.oauth) return { check: { name: 'token', ok: true, detail: 'MOCK_MODE: the fixed mock token, no IdP' }, token: MOCK_TOKEN };
  try {
    // Always a fresh grant (a changed secret shows here), which then serves the next start from the cache.
    const token = await tokenSource(ctx, { cache: 'refresh' }).fetch();
    ctx.log.secret(token.value);
    const claims = jwtClaims(token.value);
    const parts = [
      `obtained from ${settings.oauth.endpoint.origin}${settings.oauth.endpoint.pathname}`,
      `expires in ${Math.round((token.expiresAt - deps.clock.now()) / 1000)} s`,
    ];
    if (token.scope) parts.push(`scope "${token.scope}"`);
    parts.push(claims ? `JWT claims ${JSON.stringify(claims)}` : 'opaque (not a JWT)');
    return { check: { name: 'token', ok: true, detail: parts.join('; ') }, token: token.value };
  } catch (err) {
    return { check: { name: 'token', ok: false, detail: failure(err) } };
  }
}

async function gatewayCheck(ctx: Context, token: string | undefined): Promise<Check> {
  const { baseUrl } = ctx.settings;
  if (!baseUrl) return { name: 'gateway', ok: true, detail: 'MOCK_MODE without a gateway: the built-in mock model answers' };
  if (!token) return { name: 'gateway', ok: false, detail: 'not called: no token' };
  const url = `${baseUrl.href.replace(/\/+$/, '')}/models`;
  try {
    const res = await ctx.net.fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
    // 404/405: the gateway has no /models but took the token; 401/403: it did not.
    const ok = res.ok || res.status === 404 || res.status === 405;
    const hint = res.status === 401 || res.status === 403 ? ' — the gateway rejected the token: check OAUTH_SCOPE / OAUTH_AUDIENCE' : '';
    return { name: 'gateway', ok, detail: `GET ${url} → HTTP ${res.status}${hint}` };
  } catch (err) {
    const e = err as { cause?: { code?: string }; name?: string };
    return {
      name: 'gateway',
      ok: false,
      detail: `GET ${url} failed: ${e.cause?.code ?? e.name ?? String(err)} — check LLM_API_BASE_URL and the network`,
    };
  }
}

async function codexCheck(deps: Deps, codexBin: string | undefined): Promise<Check> {
  try {
    const bin = await findCodex(deps, codexBin);
    const result = await execa(bin, ['--version'], { reject: false, timeout: 15_000, stdin: 'ignore' });
    const version = String(result.stdout ?? '').trim();
    return { name: 'codex', ok: result.exitCode === 0, detail: `${bin} (${version || `exit ${result.exitCode}`})` };
  } catch (err) {
    return { name: 'codex', ok: false, detail: failure(err) };
  }
}

/** CODEX_HOME, and what writing the profile would do (when the settings say what to write). */
async function codexHomeCheck(deps: Deps, codexHome: string, profile?: { model: string; provider: Provider }): Promise<Check> {
  try {
    await access(codexHome, constants.W_OK);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return { name: 'CODEX_HOME', ok: missing, detail: missing ? `${codexHome} will be created` : `${codexHome} is not writable` };
  }
  if (!profile) return { name: 'CODEX_HOME', ok: true, detail: `${codexHome} is writable` };
  try {
    const plan = await planProfile(codexHome, profile.model, profile.provider);
    const why = plan.outcome === 'updated' ? untouchable(await stat(plan.path), plan.path, deps.uid) : undefined;
    if (why) return { name: 'CODEX_HOME', ok: false, detail: why };
    const what = { created: 'will be created', updated: 'will be updated', unchanged: 'is up to date' }[plan.outcome];
    return { name: 'CODEX_HOME', ok: true, detail: `${plan.link} ${what}` };
  } catch (err) {
    return { name: 'CODEX_HOME', ok: false, detail: failure(err) };
  }
}

export type SettingsLines = Record<string, { value: string; from: string }>;

/** Each resolved setting with where it came from; secrets as [redacted]. Pure. */
export function settingsLines(resolved: Context['resolved']): SettingsLines {
  const out: SettingsLines = {};
  for (const key of KEYS) {
    const r = resolved[key];
    if (r) out[key] = { value: spec(key).secret ? '[redacted]' : r.value, from: r.from };
  }
  return out;
}

export async function runChecks(ctx: Context): Promise<Check[]> {
  const { check: token, token: value } = await tokenCheck(ctx);
  const { deps, settings } = ctx;
  const profile = { model: settings.model, provider: profileProvider(settings) };
  const [gateway, codex, home] = await Promise.all([
    gatewayCheck(ctx, value),
    codexCheck(deps, settings.codexBin),
    codexHomeCheck(deps, settings.codexHome, profile),
  ]);
  return [{ name: 'settings', ok: true, detail: 'valid' }, token, gateway, codex, home];
}

/** `codex-wrap check`: exit 0 only if every line passes. An IdP's error text could echo anything: redacted like every log line. */
export async function checkCommand(ctx: Context, color: 0 | 1): Promise<number> {
  const out = (text: string) => ctx.deps.stdout(ctx.log.redact(text));
  return printChecks(out, await runChecks(ctx), settingsLines(ctx.resolved), ctx.args.json, await paint(color));
}

/**
 * `check` when the settings themselves fail: that line (redacted: a problem can quote a value),
 * then every line that does not need them. Undefined: printed.
 */
export async function printSettingsFailure(deps: Deps, args: Parsed, log: Logger, err: unknown, color: 0 | 1): Promise<undefined> {
  if (!(err instanceof WrapError)) throw err;
  printChecks(
    (text) => deps.stdout(log.redact(text)),
    await failedSettingsChecks(deps, args, err),
    undefined,
    args.json,
    await paint(color),
  );
  return undefined;
}

async function failedSettingsChecks(deps: Deps, args: Parsed, err: WrapError): Promise<Check[]> {
  const setting = await resolveQuietly(deps, args);
  const skipped = 'not checked: the settings above are not usable';
  return [
    { name: 'settings', ok: false, detail: [err.message, ...err.details].join('; ') },
    { name: 'token', ok: false, detail: skipped },
    { name: 'gateway', ok: false, detail: skipped },
    await codexCheck(deps, setting('CODEX_BIN')),
    await codexHomeCheck(deps, setting('CODEX_HOME') ?? `${deps.home}/.codex`),
  ];
}

export interface CheckReport {
  ok: boolean;
  checks: Check[];
}

/** What `check --json` reports, for the dashboard's button: settings loaded afresh, output redacted, nothing printed. */
export async function checkReport(deps: Deps, args: Parsed): Promise<CheckReport> {
  const log = createLogger({ write: () => {}, verbose: false });
  let checks: Check[];
  let ctx: Context | undefined;
  try {
    ctx = await loadContext(
      deps,
      args,
      log,
      createSpinner(() => {}, false),
    );
    checks = await runChecks(ctx);
  } catch (err) {
    if (!(err instanceof WrapError)) throw err;
    checks = await failedSettingsChecks(deps, args, err);
  } finally {
    await ctx?.net.close();
  }
  const redacted = checks.map((c) => ({ ...c, detail: log.redact(c.detail) }));
  return { ok: redacted.every((c) => c.ok), checks: redacted };
}

function printChecks(
  out: (text: string) => void,
  checks: Check[],
  settings: SettingsLines | undefined,
  json: boolean,
  paintWith: ChalkInstance,
): number {
  const ok = checks.every((c) => c.ok);
  if (json) {
    out(`${JSON.stringify({ ok, checks, settings: settings ?? {} }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${check.ok ? paintWith.green('✓') : paintWith.red('✗')} ${check.name.padEnd(10)} ${check.detail}`);
    if (check.name === 'settings' && settings) {
      for (const [key, v] of Object.entries(settings)) lines.push(`    ${key} = ${v.value}  ${paintWith.dim(`(${v.from})`)}`);
    }
  }
  out(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}
