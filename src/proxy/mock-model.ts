/**
 * The mock model of MOCK_MODE: a clearly-labelled Responses API answer that echoes the prompt, so a
 * CI smoke job runs the whole path with no gateway. Pure: builds the Server-Sent Events.
 */

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
