/**
 * `codex-wrap check [--json]`: settings (where each came from, secrets redacted), a token, the
 * gateway, codex, CODEX_HOME and config.toml — ✓/✗ per line; exit 0 only if every line passes.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { planCodexConfig, providerTable, untouchable } from '../codex/config.js';
import { findCodex } from '../codex/spawn.js';
import { type Context, tokenSource } from '../context.js';
import { describeFailure } from '../errors.js';
import { KEYS, spec } from '../settings/resolve.js';
import { jwtClaims } from '../token/source.js';
import { paint } from '../ui.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const failure = (err: unknown) => describeFailure(err, false).text.replace(/^codex-wrap: /, '');

async function tokenCheck(ctx: Context): Promise<{ check: Check; token?: string }> {
  const { settings: s, d } = ctx;
  if (!s.oauth) return { check: { name: 'token', ok: true, detail: 'MOCK_MODE: the fixed mock token, no IdP' } };
  try {
    const t = await tokenSource(ctx, { cache: false }).fetch();
    ctx.log.secret(t.value);
    const claims = jwtClaims(t.value);
    const parts = [
      `obtained from ${s.oauth.endpoint.origin}${s.oauth.endpoint.pathname}`,
      `expires in ${Math.round((t.expiresAt - d.clock.now()) / 1000)} s`,
    ];
    if (t.scope) parts.push(`scope "${t.scope}"`);
    parts.push(claims ? `JWT claims ${JSON.stringify(claims)}` : 'opaque (not a JWT)');
    return { check: { name: 'token', ok: true, detail: parts.join('; ') }, token: t.value };
  } catch (err) {
    return { check: { name: 'token', ok: false, detail: failure(err) } };
  }
}

async function gatewayCheck(ctx: Context, token: string | undefined): Promise<Check> {
  const { settings: s } = ctx;
  if (!s.baseUrl) return { name: 'gateway', ok: true, detail: 'MOCK_MODE without a gateway: the built-in mock model answers' };
  if (!token) return { name: 'gateway', ok: false, detail: 'not called: no token' };
  const url = `${s.baseUrl.href.replace(/\/+$/, '')}/models`;
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

async function codexCheck(ctx: Context): Promise<Check> {
  const { settings: s, d } = ctx;
  try {
    const bin = await findCodex({ codexBin: s.codexBin, path: d.env.PATH ?? '', cwd: d.cwd, self: d.self });
    const r = await execa(bin, ['--version'], { reject: false, timeout: 15_000, stdin: 'ignore' });
    const version = String(r.stdout ?? '').trim();
    return { name: 'codex', ok: r.exitCode === 0, detail: `${bin} (${version || `exit ${r.exitCode}`})` };
  } catch (err) {
    return { name: 'codex', ok: false, detail: failure(err) };
  }
}

async function codexHomeCheck(ctx: Context): Promise<Check> {
  const { settings: s } = ctx;
  try {
    await access(s.codexHome, constants.W_OK);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return { name: 'CODEX_HOME', ok: missing, detail: missing ? `${s.codexHome} will be created` : `${s.codexHome} is not writable` };
  }
  if (!s.baseUrl)
    return { name: 'CODEX_HOME', ok: true, detail: `${s.codexHome}; config.toml is not touched in MOCK_MODE without a gateway` };
  try {
    const plan = await planCodexConfig(s.codexHome, s.model, providerTable(s.baseUrl.href));
    const why = plan.outcome === 'updated' ? untouchable(await stat(plan.path), plan.path, ctx.d.uid) : undefined;
    if (why) return { name: 'CODEX_HOME', ok: false, detail: why };
    const what = { created: 'will be created', updated: 'will be updated', unchanged: 'is up to date' }[plan.outcome];
    return { name: 'CODEX_HOME', ok: true, detail: `${plan.link} ${what}` };
  } catch (err) {
    return { name: 'CODEX_HOME', ok: false, detail: failure(err) };
  }
}

export function settingsLines(ctx: Context): Record<string, { value: string; from: string }> {
  const out: Record<string, { value: string; from: string }> = {};
  for (const key of KEYS) {
    const r = ctx.resolved[key];
    if (r) out[key] = { value: spec(key).secret ? '[redacted]' : r.value, from: r.from };
  }
  return out;
}

export async function runChecks(ctx: Context): Promise<Check[]> {
  const { check: token, token: value } = await tokenCheck(ctx);
  const [gateway, codex, home] = await Promise.all([gatewayCheck(ctx, value), codexCheck(ctx), codexHomeCheck(ctx)]);
  await ctx.net.close();
  return [{ name: 'settings', ok: true, detail: 'valid' }, token, gateway, codex, home];
}

/** Prints the checks; used also when the settings themselves fail (then `checks` holds only that). */
export function printChecks(
  ctx: Pick<Context, 'd'> & { settings?: Record<string, { value: string; from: string }> },
  checks: Check[],
  json: boolean,
  color: 0 | 1,
): number {
  const ok = checks.every((c) => c.ok);
  if (json) {
    ctx.d.stdout(`${JSON.stringify({ ok, checks, settings: ctx.settings ?? {} }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const c = paint(color);
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${check.ok ? c.green('✓') : c.red('✗')} ${check.name.padEnd(10)} ${check.detail}`);
    if (check.name === 'settings' && ctx.settings) {
      for (const [k, v] of Object.entries(ctx.settings)) lines.push(`    ${k} = ${v.value}  ${c.dim(`(${v.from})`)}`);
    }
  }
  ctx.d.stdout(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}
