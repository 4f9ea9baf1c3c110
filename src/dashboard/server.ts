/**
 * The dashboard's web server on 127.0.0.1: the page, its JSON API and one server-sent-events
 * stream. Every request passes access.ts first; every body leaves through `redact`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLarge, readAll } from '../proxy/http.js';
import type { SessionState } from '../session/state.js';
import { decide, type Keys, SECURITY_HEADERS, sessionCookie } from './access.js';
import type { DirectoryCheck } from './directory.js';
import type { Feed } from './feed.js';
import { MAX_PROMPT, type Runs } from './runs.js';

export interface Assets {
  html: string;
  js: string;
  css: string;
  icon: string;
}

export interface DashboardOptions {
  port: number;
  assets: Assets;
  runs: Runs;
  sessions: Feed;
  /** The resolved settings and their sources (secrets redacted), and what is wrong with them. */
  settings: () => Promise<unknown>;
  /** `codex-wrap check`'s lines. */
  check: () => Promise<unknown>;
  checkDirectory: (input: string) => Promise<DirectoryCheck>;
  now: () => number;
  redact: (text: string) => string;
}

export interface Dashboard {
  /** The address with the one-time login token. */
  loginUrl: string;
  port: number;
  /** Sends an event to every open page. */
  broadcast(event: string, data: unknown): void;
  /** Sends the sessions list to every open page, with the server's clock for the countdowns. */
  showSessions(sessions: SessionState[]): void;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;
const token = () => randomBytes(32).toString('base64url');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send application/json');
  const body = await readAll(req, MAX_BODY).catch((err: unknown) => {
    throw err instanceof BodyTooLarge ? new HttpError(413, 'request too large') : err;
  });
  try {
    const value = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {}
  throw new HttpError(400, 'the body is not a JSON object');
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const keys: Keys = { port: 0, loginToken: token() };
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra });
    res.end(o.redact(body));
  };
  const json = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  const sse = (event: string, data: unknown) => o.redact(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const sessionsEvent = (sessions: SessionState[]) => ({ now: o.now(), sessions });

  const broadcast = (event: string, data: unknown) => {
    const text = sse(event, data);
    for (const res of streams) res.write(text);
  };

  const openStream = async (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(sse('hello', { now: o.now() }));
    const unwatch = o.sessions.watch();
    req.on('close', () => {
      streams.delete(res);
      unwatch();
    });
    const sessions = await o.sessions.now();
    if (res.destroyed) return;
    res.write(sse('sessions', sessionsEvent(sessions)));
    res.write(sse('runs', { runs: o.runs.list() }));
    streams.add(res);
  };

  const api = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (req.method === 'GET' && path === '/api/events') return openStream(req, res);
    if (req.method === 'GET' && path === '/api/sessions') return json(res, 200, sessionsEvent(await o.sessions.now()));
    if (req.method === 'GET' && path === '/api/settings') return json(res, 200, await o.settings());
    if (req.method === 'GET' && path === '/api/runs') return json(res, 200, { runs: o.runs.list() });
    if (req.method === 'POST' && path === '/api/check') return json(res, 200, await o.check());
    if (req.method === 'POST' && path === '/api/runs') {
      const body = await readJson(req);
      const prompt = typeof body.prompt === 'string' ? body.prompt.trim() : '';
      if (!prompt) throw new HttpError(400, 'write a prompt for Codex');
      if (prompt.length > MAX_PROMPT) throw new HttpError(400, `the prompt is longer than ${MAX_PROMPT} characters`);
      const dir = await o.checkDirectory(typeof body.dir === 'string' ? body.dir : '');
      if (!dir.ok) throw new HttpError(400, dir.error);
      const { items: _, ...run } = o.runs.start(dir.path, prompt);
      return json(res, 201, { run });
    }
    const stop = /^\/api\/runs\/(\d+)\/stop$/.exec(path);
    if (req.method === 'POST' && stop) {
      if (!o.runs.stop(stop[1])) throw new HttpError(409, 'that run is not running');
      return json(res, 202, { stopping: stop[1] });
    }
    throw new HttpError(404, 'no such address');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const decision = decide(
      {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        host: req.headers.host,
        origin: req.headers.origin,
        fetchSite: req.headers['sec-fetch-site'] as string | undefined,
        cookie: req.headers.cookie,
      },
      keys,
    );
    if (decision.kind === 'refuse') {
      req.resume();
      return send(res, decision.status, 'text/plain; charset=utf-8', `codex-wrap dashboard: ${decision.message}\n`);
    }
    if (decision.kind === 'login') {
      // The link works once; the browser that used it keeps the cookie.
      keys.loginToken = undefined;
      keys.cookie ??= token();
      res.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': sessionCookie(keys.cookie) });
      return res.end();
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/api/')) return api(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', o.assets.html);
    if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', o.assets.js);
    if (path === '/style.css') return send(res, 200, 'text/css; charset=utf-8', o.assets.css);
    if (path === '/favicon.svg' || path === '/favicon.ico') return send(res, 200, 'image/svg+xml', o.assets.icon);
    throw new HttpError(404, 'no such page');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      req.resume();
      if (res.headersSent) return res.end();
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
      json(res, status, { error: message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  keys.port = (server.address() as AddressInfo).port;

  return {
    loginUrl: `http://127.0.0.1:${keys.port}/?token=${keys.loginToken}`,
    port: keys.port,
    broadcast,
    showSessions: (sessions) => broadcast('sessions', sessionsEvent(sessions)),
    async close() {
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
