/** Plain HTTP requests with any headers (fetch will not send another Host), and a server-sent-events reader. */
import http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function call(
  port: number,
  o: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path ?? '/', headers: { host: `127.0.0.1:${port}`, ...o.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface EventReader {
  events: SseEvent[];
  /** Everything received, as sent. */
  raw(): string;
  /** The first event (from the start) that `match` accepts. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export function readEvents(port: number, headers: Record<string, string>): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    let raw = '';
    let buffer = '';
    const waiters = new Set<() => void>();
    const req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`events: HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          events.push({ event, data: data === undefined ? undefined : JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
        for (const w of waiters) w();
      });
      resolve({
        events,
        raw: () => raw,
        next: (match, timeoutMs = 20_000) =>
          new Promise((ok, fail) => {
            const look = () => {
              const found = events.find(match);
              if (!found) return false;
              waiters.delete(look);
              clearTimeout(timer);
              ok(found);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(look);
              fail(new Error(`no such event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`));
            }, timeoutMs);
            if (!look()) waiters.add(look);
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
