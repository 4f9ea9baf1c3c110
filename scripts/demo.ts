/**
 * `npm run demo`: the whole flow on this machine, nothing configured, nothing outside it.
 * An embedded OAuth server issues 6-second tokens; a small fake gateway checks every token and
 * asks Codex to run `sleep 7`; the real, pinned Codex runs `codex exec` through the built
 * codex-wrap in proxy mode. Codex's second request comes after its first token expired, and
 * succeeds because the proxy sends the refreshed one.
 *
 * Sealed off from the machine it runs on: a throwaway HOME (so CODEX_HOME, codex-wrap's settings
 * file, caches and state, and the shell profile Codex's commands start with are all new) and an
 * environment of PATH and LANG only. `--with-my-environment` runs it with your own environment,
 * HOME and terminal instead, to check codex-wrap and Codex work there (CI runs it once, to report).
 *
 * Bounded: it prints each step as it happens, and if Codex has not finished after DEADLINE_S it
 * says where it stopped (codex-wrap's and Codex's output, the processes still running) and exits
 * 124, as `timeout` does (CI gives a hung step one more try); any other failure exits 1.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIdp } from '../tests/support/idp.js';
import { EXEC, realCodexSettings } from '../tests/support/real-codex.js';
import { startUpstream, toolModel } from '../tests/support/upstream.js';

const DEADLINE_S = 120;
const root = fileURLToPath(new URL('..', import.meta.url));
const ownEnvironment = process.argv.includes('--with-my-environment');
const t0 = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`);

let phase = 'starting the OAuth server and the gateway';
let child: ChildProcess | undefined;
let output = ''; // codex-wrap's and Codex's stderr

/** The processes under `pid`, with what each waits on: what a hang report needs. */
function processesUnder(pid: number): string {
  try {
    const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,stat=,wchan:22=,etimes=,args='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => ({ line, f: line.trim().split(/\s+/) }))
      .filter((r) => r.f.length > 1);
    const ours = new Set([pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of rows) {
        if (ours.has(Number(r.f[1])) && !ours.has(Number(r.f[0]))) {
          ours.add(Number(r.f[0]));
          grew = true;
        }
      }
    }
    const still = rows.filter((r) => ours.has(Number(r.f[0])));
    return still.length ? still.map((r) => `  ${r.line.trim().slice(0, 200)}`).join('\n') : '  (none)';
  } catch (err) {
    return `  (ps failed: ${(err as Error).message})`;
  }
}

const deadline = setTimeout(() => {
  console.error(`\ndemo failed: not finished after ${DEADLINE_S} s, while ${phase}`);
  if (output) console.error(`codex-wrap and Codex said:\n${output.replace(/^/gm, '  ')}`);
  if (child?.pid) {
    console.error(`still running under codex-wrap (pid stat wchan seconds command):\n${processesUnder(child.pid)}`);
    child.kill('SIGKILL'); // its watchdog then ends Codex
  }
  console.error(`demo failed: not finished after ${DEADLINE_S} s, while ${phase} (details above)`);
  process.exit(124);
}, DEADLINE_S * 1000);

console.log(
  `codex-wrap demo: OAuth server (6 s tokens), fake gateway and the real Codex, all on 127.0.0.1${ownEnvironment ? ', in your own environment' : ''}\n`,
);
const idp = await startIdp({ ttlSeconds: 6 });
const tokens = new Map<string, number>();
const gateway = await startUpstream({
  validate: (t) => idp.isValid(t),
  handler: toolModel('sleep 7'),
  onRequest: (r) => {
    const token = r.authorization ?? '';
    if (!tokens.has(token)) tokens.set(token, tokens.size + 1);
    const turn = gateway.requests.length;
    const what = r.status !== 200 ? 'rejected' : turn === 1 ? 'the model asks Codex to run `sleep 7`' : 'the model answers';
    say(`gateway: ${r.method} ${r.path} with token #${tokens.get(token)} (IdP grants so far: ${idp.grants}) → ${r.status}, ${what}`);
    phase = turn === 1 ? 'Codex runs `sleep 7`, then sends its second request' : 'Codex finishes its turn';
  },
});
const scratch = await mkdtemp(join(tmpdir(), 'codex-wrap-demo-'));
const home = join(scratch, 'home');
const workdir = join(scratch, 'work');
await Promise.all([mkdir(home), mkdir(workdir)]);
const settings = realCodexSettings(idp, gateway.baseUrl, ownEnvironment ? join(scratch, 'codex-home') : join(home, '.codex'));
const env = ownEnvironment
  ? { ...process.env, ...settings }
  : { PATH: process.env.PATH, LANG: process.env.LANG ?? 'C.UTF-8', HOME: home, ...settings };
say(`OAuth server ${idp.issuer}, gateway ${gateway.baseUrl}; codex-wrap starts Codex in ${workdir}`);

phase = 'codex-wrap gets its first token and starts Codex';
child = spawn(
  process.execPath,
  [
    join(root, 'bin', 'codex-wrap.cjs'),
    '--verbose',
    ...EXEC,
    '--dangerously-bypass-approvals-and-sandbox',
    'Run sleep 7, then tell me it worked.',
  ],
  // Codex exec reads stdin when it is not a terminal: none here.
  { cwd: workdir, env, stdio: ['ignore', ownEnvironment ? 'inherit' : 'pipe', 'pipe'] },
);
let answer = '';
child.stdout?.on('data', (c) => {
  answer += c;
});
let partial = '';
child.stderr?.on('data', (c) => {
  output += c;
  const lines = (partial + c).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines.filter((l) => l.startsWith('codex-wrap'))) {
    say(line);
    if (line.includes('proxy: listening')) phase = 'Codex starts and sends its first request';
  }
});
const code: number = await new Promise((resolve) => child?.on('close', (c) => resolve(c ?? 1)));
clearTimeout(deadline);
await gateway.close();
await idp.close();
await rm(scratch, { recursive: true, force: true });

if (answer) console.log(`\nCodex's answer: ${answer.trim()}`);
const rejected = gateway.requests.filter((r) => r.status === 401).length;
console.log(
  `\nsummary: Codex exited ${code}; the IdP issued ${idp.grants} tokens; the gateway saw ${gateway.requests.length} requests with ${tokens.size} different tokens, ${rejected} rejected`,
);
const failure =
  code !== 0
    ? `Codex exited ${code}`
    : tokens.size < 2
      ? 'every request carried the same token: the refresh never reached the gateway'
      : '';
if (failure) {
  console.error(`\ncodex-wrap and Codex said:\n${output.replace(/^/gm, '  ')}`);
  console.error(`demo failed: ${failure}`);
  process.exitCode = 1;
}
