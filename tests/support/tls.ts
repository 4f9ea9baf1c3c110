/**
 * A private CA made for the test (openssl), a server certificate for 127.0.0.1 signed by it, and a
 * CONNECT proxy on 127.0.0.1 that counts the tunnels it opens.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TestCa {
  caFile: string;
  key: string;
  cert: string;
}

export function makeCa(dir: string): TestCa {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  // A P-256 key pair, written to `key`, with a certificate request (or, with -x509, a CA certificate).
  const newKey = (key: string) => `req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${key}`.split(' ');
  run(...newKey('ca.key'), '-x509', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=codex-wrap test CA');
  run(...newKey('server.key'), '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1,DNS:localhost\\n" > ext.cnf'], { cwd: dir });
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return {
    caFile: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
  };
}

/** A CONNECT proxy; with `credentials` ("user:pass") it refuses (407) a tunnel without them. */
export async function startConnectProxy(
  o: { credentials?: string } = {},
): Promise<{ url: string; tunnels: string[]; authorizations: Array<string | undefined>; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req, client: net.Socket) => {
    tunnels.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    client.on('error', () => {});
    if (o.credentials && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(o.credentials).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    authorizations,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
