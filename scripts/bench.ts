/**
 * `npm run bench`: figures, side by side, from one run on this machine, each beside its budget
 * (issue #12). Nothing is asserted: shared machines are noisy, so the figures are ratios measured
 * in the same run, with runs interleaved.
 * - the proxy's added latency per small request (p50, p99) against calling the gateway directly;
 * - a 10 MB streamed answer: MB/s and CPU per GB proxied, codex-wrap's proxy against a 30-line
 *   Node pipe proxy (four processes of each, 20 answers each, so that its CPU can be read and one
 *   process's luck does not decide);
 * - start-up to spawn: codex-wrap (MOCK_MODE, CODEX_BIN=/bin/true) against a bare node spawning /bin/true;
 * - a model-free command: `codex-wrap completion bash` against `codex completion bash`;
 * - end to end: `codex-wrap exec` with the real Codex against plain `codex exec`, same loopback gateway
 *   (codex-wrap's code cache warm, as after its first run);
 * - wake-ups of codex-wrap's main thread in 10 s while Codex idles.
 * `--quick` for fewer runs; BENCH_PROF=<dir> writes CPU profiles of both proxies there;
 * BENCH_MAX_TOKENS=0 sends request bodies through unbuffered.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { createNet } from '../src/net.js';
import { mockResponseEvents } from '../src/proxy/mock-model.js';
import { startProxy } from '../src/proxy/server.js';
import { CODEX_BIN, OFFLINE } from '../tests/support/real-codex.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const LATENCY_N = quick ? 300 : 3000;
const STREAM_MB = 10;
const STREAM_RUNS = quick ? 8 : 80;
const STREAM_PROCS = 4;
// Starts are cheap and their medians move by a few ms between runs: 40 pairs keep a budget verdict from flipping on noise.
const STARTUP_RUNS = quick ? 5 : 40;
// exec's median moved by ±5% between runs of 20 pairs; 40 pairs take ~25 s more.
const EXEC_RUNS = quick ? 4 : 40;
const IDLE_SECONDS = 10;

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const key = 'cwk_bench';
const benchHome = join(root, '.build', 'bench-home');

// --- The servers --------------------------------------------------------------------------------

/** The gateway: a small JSON answer for the latency client, 10 MB for /stream, the mock model for Codex. */
async function gateway(): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.endsWith('/stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let left = (STREAM_MB * 1024 * 1024) / CHUNK.length;
        const pump = () => {
          while (left > 0) {
            left -= 1;
            if (!res.write(CHUNK)) return void res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      if (req.headers['x-bench-small'] || req.method === 'GET') {
        const body = req.method === 'GET' ? '{"object":"list","data":[]}' : '{"ok":true}';
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        return void res.end(body);
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of mockResponseEvents('bench answer', 'bench')) res.write(e);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

async function codexWrapProxy(upstream: string): Promise<string> {
  const proxy = await startProxy({
    upstream: new URL(upstream),
    sessionKey: key,
    tokens: { token: async () => 'bench-token', forceRefresh: async () => 'bench-token' },
    maxTokens: Number(process.env.BENCH_MAX_TOKENS ?? 4096),
    net: createNet({}),
  });
  return proxy.baseUrl;
}

/** The yardstick: the plainest Node proxy that swaps the key for a token and pipes both ways. */
async function pipeProxy(upstream: string): Promise<string> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, host: target.host, authorization: 'Bearer bench-token' };
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

function startWorker(): Promise<{ url: string; worker: Worker }> {
  const worker = new Worker(fileURLToPath(import.meta.url));
  return new Promise((resolve) => worker.once('message', (url: string) => resolve({ url, worker })));
}

interface ProxyProcess {
  url: string;
  child: ChildProcess;
  /** CPU time (user + system) the process has used, in ms. */
  cpu(): Promise<number>;
}

function startProxyProcess(role: 'proxy' | 'pipe', upstream: string): Promise<ProxyProcess> {
  const execArgv = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const child = fork(fileURLToPath(import.meta.url), ['--role', role, upstream], { stdio: 'inherit', execArgv });
  const cpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as { cpu: number }).cpu));
      child.send('cpu');
    });
  return new Promise((resolve) => child.once('message', (m) => resolve({ url: (m as { url: string }).url, child, cpu })));
}

// --- Measuring ----------------------------------------------------------------------------------

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(url: string, method: string, body?: string, small = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    if (small) headers['x-bench-small'] = '1';
    const req = http.request(url, { method, agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const latencyBody = JSON.stringify({
  model: 'm',
  input: [{ role: 'user', content: [{ type: 'input_text', text: 'x'.repeat(40_000) }] }],
  stream: true,
});

/** Per-request times against each base, the bases taken in turn for every request (the same machine load for all). */
async function latencies(bases: string[]): Promise<number[][]> {
  for (const base of bases) for (let i = 0; i < 100; i++) await request(`${base}/responses`, 'POST', latencyBody, true); // warm-up
  const out = bases.map(() => [] as number[]);
  for (let i = 0; i < LATENCY_N; i++) {
    for (const [j, base] of bases.entries()) {
      const t = process.hrtime.bigint();
      await request(`${base}/responses`, 'POST', latencyBody, true);
      out[j].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return out;
}

/** One streamed answer: MB/s. */
async function stream(base: string): Promise<number> {
  const t = process.hrtime.bigint();
  const bytes = await request(`${base}/stream`, 'GET');
  return bytes / 1024 / 1024 / (Number(process.hrtime.bigint() - t) / 1e9);
}

/** Median wall time of each command, runs interleaved so that all see the same machine load. */
function medians(cmds: Array<{ cmd: string; args: string[]; env: NodeJS.ProcessEnv; cwd?: string }>, runs: number): number[] {
  const times = cmds.map(() => [] as number[]);
  for (const c of cmds) spawnSync(c.cmd, c.args, { env: c.env, cwd: c.cwd, stdio: 'ignore' }); // warm the file cache
  for (let i = 0; i < runs; i++) {
    // Each goes first every other run: the second of a pair otherwise pays for the first's leftovers.
    const order = cmds.map((_, j) => j);
    for (const j of i % 2 ? order.reverse() : order) {
      const c = cmds[j];
      const t = process.hrtime.bigint();
      const r = spawnSync(c.cmd, c.args, { env: c.env, cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`${c.cmd} ${c.args.join(' ')} exited ${r.status}: ${r.stderr}`);
      times[j].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return times.map((t) => pct(t, 50));
}

/** Context switches of a thread (each one a wake-up of a sleeping event loop, or a preemption). */
function switches(pid: number, tid = pid): number {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  return ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches']
    .map((k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0))
    .reduce((a, b) => a + b, 0);
}

/**
 * A codex-wrap session whose Codex sleeps, started as a user starts it (the bin script, its
 * shebang's Node flags included): the 100-ms slices of IDLE_SECONDS, after it settled, in which
 * its main thread woke (its context-switch count moved).
 */
async function idleWakeups(gatewayUrl: string): Promise<number> {
  const sleeper = join(benchHome, 'sleeping-codex');
  writeFileSync(sleeper, `#!/bin/sh\nexec sleep ${IDLE_SECONDS + 4}\n`);
  chmodSync(sleeper, 0o755);
  const child = spawn(join(root, 'bin', 'codex-wrap.cjs'), ['exec', 'x'], {
    env: {
      ...process.env,
      HOME: benchHome,
      MOCK_MODE: 'true',
      LLM_API_BASE_URL: gatewayUrl,
      CODEX_BIN: sleeper,
      CODEX_HOME: join(benchHome, 'codex'),
    },
    stdio: 'ignore',
  });
  const ended = new Promise((r) => child.on('close', r));
  await new Promise((r) => setTimeout(r, 2000));
  let woke = 0;
  let last = switches(child.pid as number);
  for (let i = 0; i < IDLE_SECONDS * 10; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = switches(child.pid as number);
    if (now !== last) woke++;
    last = now;
  }
  await ended;
  return woke;
}

/** The whole-command figures, every command run with `env`: start-up, completion and exec. */
function commandFigures(env: NodeJS.ProcessEnv, gatewayUrl: string) {
  const [bare, wrapped] = medians(
    [
      {
        cmd: process.execPath,
        args: ['-e', "require('node:child_process').spawnSync('/bin/true', { stdio: 'inherit' })"],
        env,
      },
      {
        cmd: join(root, 'bin', 'codex-wrap.cjs'),
        args: ['exec', 'x'],
        env: { ...env, MOCK_MODE: 'true', CODEX_BIN: '/bin/true', HOME: benchHome },
      },
    ],
    STARTUP_RUNS,
  );

  const [plainCompletion, wrappedCompletion] = medians(
    [
      { cmd: CODEX_BIN, args: ['completion', 'bash'], env: { ...env, HOME: benchHome } },
      { cmd: join(root, 'bin', 'codex-wrap.cjs'), args: ['completion', 'bash'], env: { ...env, CODEX_BIN, HOME: benchHome } },
    ],
    STARTUP_RUNS,
  );

  // End to end: the same one-turn task, the same gateway, the same HOME; Codex's own files in
  // throwaway CODEX_HOMEs. The same HOME matters: Codex does more at the end of a run with this
  // machine's HOME than with an empty one (~20 ms here), which once flattered codex-wrap's figure.
  const work = join(benchHome, 'work');
  for (const dir of [work, join(benchHome, 'codex-plain'), join(benchHome, 'codex'), join(benchHome, 'codex-direct')])
    mkdirSync(dir, { recursive: true });
  const provider = `{ name = "bench", base_url = "${gatewayUrl}", env_key = "BENCH_KEY", wire_api = "responses" }`;
  // The third: codex-wrap without its proxy (PROXY_MODE=false: the token in Codex's environment, no
  // warm-up), no budget of its own: what is left of the difference once the proxy is taken out.
  const wrappedExecEnv = { ...env, HOME: benchHome, MOCK_MODE: 'true', LLM_API_BASE_URL: gatewayUrl, CODEX_BIN };
  const [plainExec, wrappedExec, directExec] = medians(
    [
      {
        cmd: CODEX_BIN,
        args: [
          'exec',
          '--skip-git-repo-check',
          ...OFFLINE,
          '-c',
          'model_provider="bench"',
          '-c',
          `model_providers.bench=${provider}`,
          '-m',
          'gpt-4-internal',
          'hi',
        ],
        env: { ...env, HOME: benchHome, BENCH_KEY: 'bench-token', CODEX_HOME: join(benchHome, 'codex-plain') },
        cwd: work,
      },
      {
        cmd: join(root, 'bin', 'codex-wrap.cjs'),
        args: ['exec', '--skip-git-repo-check', ...OFFLINE, 'hi'],
        env: { ...wrappedExecEnv, CODEX_HOME: join(benchHome, 'codex') },
        cwd: work,
      },
      {
        cmd: join(root, 'bin', 'codex-wrap.cjs'),
        args: ['exec', '--skip-git-repo-check', ...OFFLINE, 'hi'],
        env: { ...wrappedExecEnv, PROXY_MODE: 'false', CODEX_HOME: join(benchHome, 'codex-direct') },
        cwd: work,
      },
    ],
    EXEC_RUNS,
  );

  return { bare, wrapped, plainCompletion, wrappedCompletion, plainExec, wrappedExec, directExec };
}

// --- The run ------------------------------------------------------------------------------------

async function bench(): Promise<void> {
  rmSync(benchHome, { recursive: true, force: true });
  mkdirSync(benchHome, { recursive: true });
  const gw = await startWorker();
  // Latency: one process of each. CPU per GB: STREAM_PROCS other processes of each, all warmed
  // alike — one process's figure varies by ±10% with where it landed (core, heap, JIT), identical
  // code included, and a process that served the latency run's 3000 requests streams cheaper.
  const [proxy, pipe] = [await startProxyProcess('proxy', gw.url), await startProxyProcess('pipe', gw.url)];
  const [direct, proxied, piped] = await latencies([gw.url, proxy.url, pipe.url]);
  for (const p of [proxy, pipe]) p.child.kill('SIGINT');
  const procs: Array<{ name: 'proxy' | 'pipe'; p: ProxyProcess }> = [];
  for (let i = 0; i < STREAM_PROCS; i++) {
    procs.push(
      { name: 'proxy', p: await startProxyProcess('proxy', gw.url) },
      { name: 'pipe', p: await startProxyProcess('pipe', gw.url) },
    );
  }

  // Streams: direct, then through every proxy process in a shuffled order each round, CPU read around each.
  for (const { p } of procs) for (let i = 0; i < 100; i++) await request(`${p.url}/responses`, 'POST', latencyBody, true); // warm-up (JIT)
  for (const base of [gw.url, ...procs.map(({ p }) => p.url)]) for (let i = 0; i < 5; i++) await stream(base);
  const rates = { direct: [] as number[], proxy: [] as number[], pipe: [] as number[] };
  for (let i = 0; i < STREAM_RUNS; i++) rates.direct.push(await stream(gw.url));
  const cpu = { proxy: 0, pipe: 0 };
  for (let i = 0; i < STREAM_RUNS / STREAM_PROCS; i++) {
    for (const { name, p } of [...procs].sort(() => Math.random() - 0.5)) {
      const before = await p.cpu();
      rates[name].push(await stream(p.url));
      cpu[name] += (await p.cpu()) - before;
    }
  }
  const gb = (rates.proxy.length * STREAM_MB * 1024 * 1024) / 1e9;
  for (const { p } of procs) p.child.kill('SIGINT');
  agent.destroy();

  // Node parses NODE_EXTRA_CA_CERTS's bundle at start (plain codex's npm script and bare node pay
  // it; codex-wrap's launcher defers it): measured as the machine is set up, and without it.
  const environments: Array<{ label: string; env: NodeJS.ProcessEnv }> = [{ label: '', env: process.env }];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const { NODE_EXTRA_CA_CERTS: _, ...clean } = process.env;
    environments[0].label = '[NODE_EXTRA_CA_CERTS set, as here]';
    environments.push({ label: '[without NODE_EXTRA_CA_CERTS]', env: clean });
  }
  const commands = environments.map(({ label, env }) => ({ label, ...commandFigures(env, gw.url) }));

  const wakeups = await idleWakeups(gw.url);
  await gw.worker.terminate();
  rmSync(benchHome, { recursive: true, force: true });

  const f = (n: number, d = 1) => n.toFixed(d);
  type Row = [string, string, string, string, string, boolean];
  /** A whole-command figure: its baseline, codex-wrap's, their ratio and whether it is within `limit`. */
  const ratioRow = (name: string, base: number, baseName: string, ours: number, limit: number): Row => [
    name,
    `${f(base)} ${baseName}`,
    f(ours),
    `${f(ours / base, 2)}×`,
    `≤ ${limit.toFixed(limit === 1 ? 1 : 2)}×`,
    ours / base <= limit,
  ];
  const rows: Row[] = [
    [
      'added latency p50 (ms)',
      f(pct(direct, 50), 3),
      f(pct(proxied, 50), 3),
      `+${f(pct(proxied, 50) - pct(direct, 50), 3)}`,
      '≤ +0.6',
      pct(proxied, 50) - pct(direct, 50) <= 0.6,
    ],
    ['  pipe proxy p50 (ms)', f(pct(direct, 50), 3), f(pct(piped, 50), 3), `+${f(pct(piped, 50) - pct(direct, 50), 3)}`, '', true],
    ['added latency p99 (ms)', f(pct(direct, 99), 3), f(pct(proxied, 99), 3), `+${f(pct(proxied, 99) - pct(direct, 99), 3)}`, '', true],
    [
      '10 MB stream (MB/s)',
      `${f(pct(rates.pipe, 50), 0)} pipe`,
      f(pct(rates.proxy, 50), 0),
      `${f(pct(rates.proxy, 50) / pct(rates.pipe, 50), 2)}×`,
      '',
      true,
    ],
    [
      'CPU per GB proxied (s)',
      `${f(cpu.pipe / 1000 / gb, 2)} pipe`,
      f(cpu.proxy / 1000 / gb, 2),
      `${f(cpu.proxy / cpu.pipe, 2)}×`,
      '≤ 1.0×',
      cpu.proxy <= cpu.pipe,
    ],
    ...commands.flatMap(
      ({ label, bare, wrapped, plainCompletion, wrappedCompletion, plainExec, wrappedExec, directExec }) =>
        [
          ...(label ? [[label, '', '', '', '', true] as Row] : []),
          ratioRow('start-up to spawn (ms)', bare, 'node', wrapped, 1.35),
          ratioRow('completion bash (ms)', plainCompletion, 'codex', wrappedCompletion, 1),
          ratioRow('exec, real Codex (ms)', plainExec, 'codex', wrappedExec, 1),
          ['  PROXY_MODE=false (ms)', `${f(plainExec)} codex`, f(directExec), `${f(directExec / plainExec, 2)}×`, '', true],
        ] as Row[],
    ),
    [`idle wake-ups / ${IDLE_SECONDS} s`, '', String(wakeups), '', '0', wakeups === 0],
  ];
  console.log(
    `codex-wrap bench (${quick ? 'quick' : 'full'}; ${LATENCY_N} requests of ${latencyBody.length} bytes, ${STREAM_RUNS}×${STREAM_MB} MB ` +
      `through ${STREAM_PROCS} processes of each proxy, ` +
      `${STARTUP_RUNS} starts, ${EXEC_RUNS} exec rounds; medians)\n`,
  );
  const widths = [26, 16, 12, 12, 10];
  console.log(['', 'baseline', 'codex-wrap', 'ratio', 'budget', ''].map((c, i) => c.padEnd(widths[i] ?? 0)).join(''));
  for (const [name, base, ours, ratio, budget, met] of rows) {
    console.log([name, base, ours, ratio, budget].map((c, i) => c.padEnd(widths[i])).join('') + (budget ? (met ? 'met' : 'NOT met') : ''));
  }
  console.log(
    `\n  direct 10 MB stream: ${f(pct(rates.direct, 50), 0)} MB/s (client, proxy and gateway share ${availableParallelism()} cores: a proxied loopback stream cannot match it)`,
  );
  console.log('  baselines: pipe = a 30-line Node pipe proxy; node = bare node spawning /bin/true; codex = plain codex (its npm script)');
  console.log('  PROXY_MODE=false: the same exec without the proxy (no budget: what is left once the proxy is taken out)');
  console.log('  idle: 100-ms slices in which codex-wrap’s main thread woke while Codex slept (the refresh timer is minutes away)');
}

if (!isMainThread) {
  parentPort?.postMessage(await gateway());
} else if (process.argv[2] === '--role') {
  const role = process.argv[3];
  const url = await (role === 'proxy' ? codexWrapProxy : pipeProxy)(process.argv[4]);
  process.on('SIGINT', () => process.exit(0)); // a profile (BENCH_PROF) is written at exit
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send?.({ cpu: (u.user + u.system) / 1000 });
  });
  process.send?.({ url });
} else {
  await bench();
}
