/**
 * The mock model of MOCK_MODE: a clearly-labelled Responses API answer that echoes the prompt, so a
 * CI smoke job runs the whole path with no gateway. The answer is built by pure functions; serveMock
 * routes the proxy's requests to it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BASE_PATH } from './forward.js';
import { sendError } from './http.js';

/** The text of the last user message in a Responses request body. */
export function lastUserText(body: unknown): string {
  const input = (body as { input?: unknown })?.input;
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as { role?: string; content?: unknown };
    if (item?.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) {
      return item.content
        .map((c: { text?: unknown }) => (typeof c?.text === 'string' ? c.text : ''))
        .join('')
        .trim();
    }
  }
  return '';
}

export function mockAnswerText(prompt: string): string {
  const shown = prompt.length > 200 ? `${prompt.slice(0, 200)}…` : prompt;
  return `[codex-wrap mock model] You said: ${shown}`;
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The event sequence Codex expects for a completed assistant message (CODEX-FACTS.md). */
export function mockResponseEvents(text: string, id: string): string[] {
  const itemId = `msg_${id}`;
  const message = { type: 'message', id: itemId, role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
  const words = text.match(/\S+\s*/g) ?? [text];
  return [
    event('response.created', { response: { id: `resp_${id}` } }),
    event('response.output_item.added', { output_index: 0, item: { ...message, content: [] } }),
    ...words.map((delta) => event('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta })),
    event('response.output_item.done', { output_index: 0, item: message }),
    event('response.completed', {
      response: { id: `resp_${id}`, usage: { input_tokens: 0, output_tokens: words.length, total_tokens: words.length } },
    }),
  ];
}

/** Answers one proxied request as the mock model: `GET /models` (empty) and `POST /responses`. */
export function serveMock(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer, id: string): void {
  const pathname = path.split('?')[0];
  if (req.method === 'GET' && pathname === `${BASE_PATH}/models`) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [] }));
    return;
  }
  if (req.method !== 'POST' || pathname !== `${BASE_PATH}/responses`) {
    sendError(res, 404, 'not_found', `the codex-wrap mock model answers POST ${BASE_PATH}/responses only`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    sendError(res, 400, 'invalid_json', 'the request body is not JSON');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of mockResponseEvents(mockAnswerText(lastUserText(parsed)), id)) res.write(event);
  res.end();
}
