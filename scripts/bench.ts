/**
 * `npm run bench`: figures, side by side, from one run on this machine. Nothing is asserted.
 * - the proxy's added latency per request (p50, p99) against calling the fake gateway directly;
 * - throughput of a 10 MB streamed answer, proxied over direct;
 * - codex-wrap's start-up (MOCK_MODE, CODEX_BIN=/bin/true) over a bare node that spawns /bin/true.
 * Aims (issue #3): ≤ 1 ms p50 added, ≥ 0.8× throughput, ≤ 1.5× start-up.
 * On a loopback stream client, proxy and gateway are each CPU-bound; on 2 cores three of them
 * share what two had in the direct case, so the proxied figure here is a floor, not the real
 * ratio against a remote gateway (whose streams are network-bound and far slower).
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createNet } from '../src/net.js';
import { startProxy } from '../src/proxy/server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const LATENCY_N = quick ? 300 : 3000;
const STREAM_MB = 10;
const STREAM_RUNS = quick ? 3 : 7;
const STARTUP_RUNS = quick ? 5 : 20;

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const key = 'cwk_bench';

/** The gateway and the proxy each run in a worker thread: their own event loop, as in real use. */
async function serve(role: 'gateway' | 'proxy', upstream?: string): Promise<string> {
  if (role === 'proxy') {
    const proxy = await startProxy({
      upstream: new URL(upstream as string),
      sessionKey: key,
      tokens: { token: async () => 'bench-token', forceRefresh: async () => 'bench-token' },
      maxTokens: 4096,
      net: createNet({}),
    });
    return proxy.baseUrl;
  }
  const gateway = http.createServer((req, res) => {
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
        pump();
        return;
      }
      const body = '{"ok":true}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1`;
}

function startWorker(role: 'gateway' | 'proxy', upstream?: string): Promise<{ url: string; worker: Worker }> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role, upstream } });
  return new Promise((resolve) => worker.once('message', (url: string) => resolve({ url, worker })));
}

async function bench(): Promise<void> {
  const gw = await startWorker('gateway');
  const px = await startWorker('proxy', gw.url);
  const gatewayBase = gw.url;
  const proxy = { baseUrl: px.url };

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  function request(url: string, method: string, body?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        { method, agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } },
        (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
          });
          res.on('end', () => resolve(bytes));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  const body = JSON.stringify({
    model: 'm',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'x'.repeat(40_000) }] }],
    stream: true,
  });

  async function latencies(base: string): Promise<number[]> {
    for (let i = 0; i < 100; i++) await request(`${base}/responses`, 'POST', body); // warm-up
    const out: number[] = [];
    for (let i = 0; i < LATENCY_N; i++) {
      const t = process.hrtime.bigint();
      await request(`${base}/responses`, 'POST', body);
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return out;
  }

  async function throughput(base: string): Promise<number> {
    for (let i = 0; i < 2; i++) await request(`${base}/stream`, 'GET'); // warm-up (JIT)
    const rates: number[] = [];
    for (let i = 0; i < STREAM_RUNS; i++) {
      const t = process.hrtime.bigint();
      const bytes = await request(`${base}/stream`, 'GET');
      rates.push(bytes / 1024 / 1024 / (Number(process.hrtime.bigint() - t) / 1e9));
    }
    return pct(rates, 50);
  }

  /** Median start-up of each command, runs interleaved so that both see the same machine load. */
  function startups(cmds: Array<{ cmd: string; args: string[]; env: NodeJS.ProcessEnv }>): number[] {
    const times = cmds.map(() => [] as number[]);
    for (const c of cmds) spawnSync(c.cmd, c.args, { env: c.env, stdio: 'ignore' }); // warm the file cache
    for (let i = 0; i < STARTUP_RUNS; i++) {
      cmds.forEach((c, j) => {
        const t = process.hrtime.bigint();
        const r = spawnSync(c.cmd, c.args, { env: c.env, stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`${c.cmd} ${c.args.join(' ')} exited ${r.status}`);
        times[j].push(Number(process.hrtime.bigint() - t) / 1e6);
      });
    }
    return times.map((t) => pct(t, 50));
  }

  const direct = await latencies(gatewayBase);
  const proxied = await latencies(proxy.baseUrl);
  const directRate = await throughput(gatewayBase);
  const proxiedRate = await throughput(proxy.baseUrl);
  agent.destroy();
  await px.worker.terminate();
  await gw.worker.terminate();

  const [bare, wrapped] = startups([
    { cmd: process.execPath, args: ['-e', "require('node:child_process').spawnSync('/bin/true', { stdio: 'inherit' })"], env: process.env },
    {
      cmd: process.execPath,
      args: [join(root, 'bin', 'codex-wrap.js'), 'exec', 'x'],
      env: { ...process.env, MOCK_MODE: 'true', CODEX_BIN: '/bin/true', HOME: join(root, '.build', 'bench-home') },
    },
  ]);

  const f = (n: number) => n.toFixed(3);
  console.log(
    `codex-wrap bench (${quick ? 'quick' : 'full'}; ${LATENCY_N} requests of ${body.length} bytes, ${STREAM_RUNS}×${STREAM_MB} MB, ${STARTUP_RUNS} starts)`,
  );
  console.log('');
  console.log('                         direct      proxied     added / ratio   aim');
  console.log(
    `latency p50 (ms)         ${f(pct(direct, 50)).padEnd(12)}${f(pct(proxied, 50)).padEnd(12)}+${f(pct(proxied, 50) - pct(direct, 50)).padEnd(15)}≤ +1 ms`,
  );
  console.log(
    `latency p99 (ms)         ${f(pct(direct, 99)).padEnd(12)}${f(pct(proxied, 99)).padEnd(12)}+${f(pct(proxied, 99) - pct(direct, 99))}`,
  );
  console.log(
    `10 MB stream (MB/s)      ${directRate.toFixed(0).padEnd(12)}${proxiedRate.toFixed(0).padEnd(12)}${(proxiedRate / directRate).toFixed(2)}×${''.padEnd(11)}≥ 0.8×`,
  );
  console.log(
    `start-up (ms, median)    ${bare.toFixed(1).padEnd(12)}${wrapped.toFixed(1).padEnd(12)}${(wrapped / bare).toFixed(2)}×${''.padEnd(11)}≤ 1.5×`,
  );
  console.log('  (start-up: bare = node spawning /bin/true; proxied column = codex-wrap, MOCK_MODE, CODEX_BIN=/bin/true)');
  console.log('  (gateway and proxy run in worker threads, the client in the main thread)');
}

if (!isMainThread) {
  parentPort?.postMessage(await serve(workerData.role, workerData.upstream));
} else {
  await bench();
}
