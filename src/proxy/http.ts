/** HTTP helpers the proxy and the mock model share: OpenAI-shaped errors and bounded body reads. */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** The largest request body the proxy holds in memory (to rewrite it, or to retry after a 401). */
export const MAX_BUFFERED_BODY = 32 * 1024 * 1024;

/** A body over the limit: the client gets 413. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** An error body in the OpenAI shape, which Codex shows to the user. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The whole stream, or BodyTooLarge past `limit` (the rest is drained, so the client still gets the answer). */
export function readAll(stream: Readable, limit = MAX_BUFFERED_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.off('data', onData);
        stream.resume();
        chunks.length = 0;
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
