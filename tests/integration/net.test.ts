import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createNet, type Preconnecting } from '../../src/net.js';
import { makeCa, startConnectProxy, type TestCa } from '../support/tls.js';
import { tempDir } from '../support/tmp.js';
import { answer } from '../support/upstream.js';
import { useWorld } from '../support/world.js';

const w = useWorld();

describe('corporate networks', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = makeCa(await tempDir('cw-ca-'));
  });

  /** An HTTPS token endpoint and gateway with the test CA's certificate. */
  const issued = new Set<string>();
  async function startHttps() {
    const server = https.createServer({ key: ca.key, cert: ca.cert }, async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      if (req.url === '/token') {
        const token = `tls-token-${issued.size}`;
        issued.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 60 }));
        return;
      }
      if (!issued.has((req.headers.authorization ?? '').replace('Bearer ', ''))) {
        res.writeHead(401);
        res.end();
        return;
      }
      answer(req, res, body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  test('through HTTPS_PROXY, trusting CA_CERT_FILE on top of the system roots: IdP and gateway both', async () => {
    const tls = await startHttps();
    const gw = await startHttps();
    const proxy = await startConnectProxy();
    const r = await w.run(['--no-cache', 'exec', 'x'], {
      OAUTH_ENDPOINT: `${tls.origin}/token`,
      LLM_API_BASE_URL: `${gw.origin}/v1`,
      HTTPS_PROXY: proxy.url,
      CA_CERT_FILE: ca.caFile,
      FAKE_CODEX_MODE: 'request:via proxy',
    });
    await proxy.close();
    await tls.close();
    await gw.close();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await w.readReport()).keySet).toBe(true);
    expect(proxy.tunnels).toEqual([new URL(tls.origin).host, new URL(gw.origin).host]);
  });

  test('HTTP_PROXY with credentials in its URL: IdP and gateway tunnel through it, each with Proxy-Authorization', async () => {
    const proxy = await startConnectProxy({ credentials: 'me:p@ss' });
    const r = await w.run(['--no-cache', 'exec', 'x'], {
      HTTP_PROXY: proxy.url.replace('//', '//me:p%40ss@'),
      FAKE_CODEX_MODE: 'request:through the proxy',
    });
    await proxy.close();
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect((await w.readReport()).answer?.status).toBe(200);
    expect(proxy.tunnels).toEqual([new URL(w.idp.tokenEndpoint).host, new URL(w.gateway.baseUrl).host]);
    expect(proxy.authorizations).toEqual([
      `Basic ${Buffer.from('me:p@ss').toString('base64')}`,
      `Basic ${Buffer.from('me:p@ss').toString('base64')}`,
    ]);
  });

  test('a proxy that refuses the tunnel to the gateway: Codex gets a 502 that names the proxy', async () => {
    const proxy = await startConnectProxy({ credentials: 'me:right' });
    const r = await w.run(['--no-cache', 'exec', 'x'], {
      HTTP_PROXY: proxy.url,
      NO_PROXY: new URL(w.idp.tokenEndpoint).host,
      FAKE_CODEX_MODE: 'request:refused',
    });
    await proxy.close();
    expect(r.code).toBe(1);
    const answer = (await w.readReport()).answer;
    expect(answer?.status).toBe(502);
    expect(answer?.text).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: the proxy 127\.0\.0\.1:\d+ refused the tunnel \(HTTP 407\)/);
    expect(w.gateway.requests).toEqual([]);
  });

  test('NO_PROXY exempts a host', async () => {
    const tls = await startHttps();
    const proxy = await startConnectProxy();
    const r = await w.run(['--no-cache', 'token'], {
      OAUTH_ENDPOINT: `${tls.origin}/token`,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: 'localhost,127.0.0.1',
      CA_CERT_FILE: ca.caFile,
    });
    await proxy.close();
    await tls.close();
    expect(r.code).toBe(0);
    expect(proxy.tunnels).toEqual([]);
  });

  test('without the CA: a one-line error that names the fix', async () => {
    const tls = await startHttps();
    const r = await w.run(['--no-cache', 'token'], { OAUTH_ENDPOINT: `${tls.origin}/token` });
    await tls.close();
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /^codex-wrap: the TLS certificate of https:\/\/127\.0\.0\.1:\d+\/token is not trusted \(\w+\) — set CA_CERT_FILE/,
    );
  });

  test('direct mode hands Codex the same CA', async () => {
    const r = await w.run(['--no-proxy', 'exec', 'x'], { CA_CERT_FILE: ca.caFile });
    expect(r.code).toBe(0);
    const rep = await w.readReport();
    expect(rep.envNames).toEqual(expect.arrayContaining(['CODEX_CA_CERTIFICATE', 'SSL_CERT_FILE']));
  });

  test('an unreadable CA_CERT_FILE is a settings error', async () => {
    const r = await w.run(['exec', 'x'], { CA_CERT_FILE: '/nonexistent/ca.pem' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CA_CERT_FILE=/nonexistent/ca.pem cannot be read: ENOENT');
  });
});

describe('the gateway connection opened ahead of the first request', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = makeCa(await tempDir('cw-ca-spare-'));
  });

  /** A gateway that counts its connections and can drop the first one before any request comes. */
  async function countingGateway(o: { secure?: TestCa; dropFirst?: boolean } = {}) {
    const handler: http.RequestListener = (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    };
    const server = o.secure ? https.createServer({ key: o.secure.key, cert: o.secure.cert }, handler) : http.createServer(handler);
    let connections = 0;
    server.on(o.secure ? 'secureConnection' : 'connection', (socket: Socket) => {
      connections += 1;
      if (o.dropFirst && connections === 1) socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      port: (server.address() as AddressInfo).port,
      connections: () => connections,
      close: () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  }
  const ask = (agent: http.Agent, port: number, secure: boolean) =>
    new Promise<number>((resolve, reject) => {
      const req = (secure ? https.request : http.request)({ host: '127.0.0.1', port, path: '/v1/models', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  test('HTTPS: the TLS connection is made before the request, and the request uses it', async () => {
    const gateway = await countingGateway({ secure: ca });
    const net = createNet({}, [readFileSync(ca.caFile, 'utf8')]);
    const agent = net.agentFor(new URL(`https://127.0.0.1:${gateway.port}/v1`)) as http.Agent & Preconnecting;
    agent.preconnect('127.0.0.1', gateway.port);
    await until(() => gateway.connections() === 1);
    expect(gateway.connections()).toBe(1);
    expect(await ask(agent, gateway.port, true)).toBe(200);
    expect(gateway.connections()).toBe(1);
    await net.close();
    await gateway.close();
  });

  test('a spare the gateway closed is not used: the request connects anew and succeeds', async () => {
    const gateway = await countingGateway({ dropFirst: true });
    const net = createNet({});
    const agent = net.agentFor(new URL(`http://127.0.0.1:${gateway.port}/v1`)) as http.Agent & Preconnecting;
    agent.preconnect('127.0.0.1', gateway.port);
    await until(() => gateway.connections() === 1);
    await new Promise((r) => setTimeout(r, 50)); // the close reaches the agent
    expect(await ask(agent, gateway.port, false)).toBe(200);
    expect(gateway.connections()).toBe(2);
    await net.close();
    await gateway.close();
  });

  test('a spare that failed its TLS check is not used: the request fails with the reason', async () => {
    const gateway = await countingGateway({ secure: ca });
    const net = createNet({}); // the test CA is not trusted
    const agent = net.agentFor(new URL(`https://127.0.0.1:${gateway.port}/v1`)) as http.Agent & Preconnecting;
    agent.preconnect('127.0.0.1', gateway.port);
    await new Promise((r) => setTimeout(r, 100));
    await expect(ask(agent, gateway.port, true)).rejects.toThrow(/self-signed|unable to verify|certificate/i);
    await net.close();
    await gateway.close();
  });
});
