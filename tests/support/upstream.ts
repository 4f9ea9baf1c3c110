/**
 * A fake Responses endpoint on 127.0.0.1: checks each bearer token with `validate` (the test IdP
 * says whether it issued it and it is unexpired), records requests, answers with a short stream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastUserText, mockResponseEvents } from '../../src/proxy/mock-model.js';

export interface Recorded {
  method: string;
  path: string;
  authorization?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void | Promise<void>;

export interface Upstream {
  /** Base URL to give codex-wrap as LLM_API_BASE_URL. */
  baseUrl: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/** The default answer: an SSE stream saying "upstream says: <prompt>". */
export const answer: Handler = (_req, res, body) => {
  let prompt = '';
  try {
    prompt = lastUserText(JSON.parse(body));
  } catch {}
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of mockResponseEvents(`upstream says: ${prompt}`, 'up')) res.write(e);
  res.end();
};

export async function startUpstream(
  o: { validate?: (token: string) => Promise<boolean>; handler?: Handler; onRequest?: (request: Recorded) => void } = {},
): Promise<Upstream> {
  const requests: Recorded[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const rec: Recorded = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      headers: req.headers,
      body,
      status: 0,
    };
    requests.push(rec);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (o.validate && !(await o.validate(token))) {
      rec.status = 401;
      o.onRequest?.(rec);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'token expired or unknown', type: 'invalid_request_error', code: 'invalid_api_key' } }));
      return;
    }
    rec.status = 200;
    o.onRequest?.(rec);
    await (o.handler ?? answer)(req, res, body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function sse(res: http.ServerResponse, events: Array<Record<string, unknown>>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  res.end();
}

/**
 * A model that first asks Codex to run `command` (a function call to Codex's exec_command tool),
 * then, once the tool's output comes back, answers with a message quoting it. Codex's second
 * request thus comes after the command has run: with `sleep 7` and 6-second tokens, after the
 * first token has expired.
 */
export function toolModel(command: string, answerText?: string): Handler {
  return (_req, res, body) => {
    const input = (JSON.parse(body) as { input?: Array<{ type?: string; output?: unknown }> }).input ?? [];
    const result = input.find((i) => i.type === 'function_call_output');
    if (!result) {
      const call = {
        type: 'function_call',
        id: 'fc_1',
        call_id: 'call_1',
        name: 'exec_command',
        arguments: JSON.stringify({ cmd: command }),
      };
      sse(res, [
        { type: 'response.created', response: { id: 'resp_1' } },
        { type: 'response.output_item.done', output_index: 0, item: call },
        { type: 'response.completed', response: { id: 'resp_1' } },
      ]);
      return;
    }
    const text = answerText ?? `The command \`${command}\` ran; the model saw its result after a token refresh.`;
    const message = { type: 'message', id: 'msg_2', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
    sse(res, [
      { type: 'response.created', response: { id: 'resp_2' } },
      { type: 'response.output_item.done', output_index: 0, item: message },
      { type: 'response.completed', response: { id: 'resp_2' } },
    ]);
  };
}
