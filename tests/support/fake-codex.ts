/**
 * A fake `codex` executable: writes a report (argv, cwd, whether the key is set, a hash of every
 * environment value — never a value) to $FAKE_CODEX_REPORT, then does what $FAKE_CODEX_MODE says:
 * `exit:N`, `sleep:S`, `signal:NAME` (kills itself), `request` (one Responses call through the base_url it
 * was given, answer on stdout), or `wait` (records the signals it gets; exits 42 on SIGTERM/SIGINT).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('node:fs');
const crypto = require('node:crypto');
const hash = (v) => crypto.createHash('sha256').update(v).digest('hex');
const argv = process.argv.slice(2);
const report = {
  argv,
  cwd: process.cwd(),
  keySet: Boolean(process.env.CUSTOM_LLM_API_KEY),
  envHashes: Object.values(process.env).map(hash),
  envNames: Object.keys(process.env),
  signals: [],
};
const save = () => process.env.FAKE_CODEX_REPORT && fs.writeFileSync(process.env.FAKE_CODEX_REPORT, JSON.stringify(report));
save();
const mode = process.env.FAKE_CODEX_MODE || 'exit:0';
const [kind, arg] = mode.split(':');
if (kind === 'exit') process.exit(Number(arg));
if (kind === 'sleep') setTimeout(() => process.exit(0), Number(arg) * 1000);
if (kind === 'signal') process.kill(process.pid, arg);
if (kind === 'wait') {
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { report.signals.push(s); save(); setTimeout(() => process.exit(42), 200); });
  setInterval(() => {}, 1000);
}
if (kind === 'request') setTimeout(request, Number(process.env.FAKE_CODEX_DELAY_MS || 0));
function request() {
  const urls = argv.filter((a) => a.startsWith('model_providers.codex-wrap.base_url=')).map((a) => JSON.parse(a.split('=').slice(1).join('=')));
  const base = urls[urls.length - 1] || process.env.FAKE_CODEX_BASE_URL;
  fetch(base + '/responses', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + process.env.CUSTOM_LLM_API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'x', input: [{ role: 'user', content: [{ type: 'input_text', text: arg || 'ping' }] }], stream: true }),
  }).then(async (r) => {
    const text = await r.text();
    const deltas = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6))).filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    report.answer = { status: r.status, text };
    save();
    process.stdout.write((deltas || text) + '\n');
    process.exit(r.status === 200 ? 0 : 1);
  }, (e) => { console.error(e.message); process.exit(1); });
}
`;

export interface FakeCodexReport {
  argv: string[];
  cwd: string;
  keySet: boolean;
  envHashes: string[];
  envNames: string[];
  signals: string[];
  /** `request` mode: what the base_url answered. */
  answer?: { status: number; text: string };
}

export async function writeFakeCodex(): Promise<{ dir: string; bin: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-codex-'));
  const bin = join(dir, 'codex');
  await writeFile(bin, SCRIPT);
  await chmod(bin, 0o755);
  return { dir, bin };
}

export const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** Waits (up to 5 s) until the fake codex has written its report, i.e. it is running. */
export async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 100 && !(await readFile(path, 'utf8').catch(() => '')); i++) await sleep(50);
}

/** `promise`'s value, or `fallback` after `ms`; the timer does not outlive the race. */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  const ac = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, fallback, { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
