/**
 * What the page shows of a run: `codex exec --json` prints one JSON event per line
 * (thread.started, turn.*, item.started/updated/completed, error); each becomes a RunItem, keyed
 * so that a later event about the same item replaces the earlier one. Pure.
 */

export type ItemKind = 'message' | 'reasoning' | 'command' | 'files' | 'tool' | 'search' | 'todo' | 'warning' | 'error' | 'usage' | 'log';

export interface RunItem {
  /** Codex's item id, or a key of ours for what is not an item (usage, errors, log lines). */
  id: string;
  kind: ItemKind;
  text: string;
  /** in_progress, completed, failed, declined: as Codex says. */
  status?: string;
  exitCode?: number;
  /** A command's output (its end, when long). */
  output?: string;
}

/** A command's output is cut to its last this many characters. */
export const MAX_OUTPUT = 8000;
/** A message or other text is cut to its first this many characters. */
export const MAX_TEXT = 20000;

const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${text.slice(0, max)}…` : text);
const tail = (text: string) => (text.length > MAX_OUTPUT ? `…${text.slice(-MAX_OUTPUT)}` : text);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

type Json = Record<string, unknown>;

function fromItem(item: Json): RunItem | undefined {
  const id = str(item.id) ?? 'item';
  const status = str(item.status);
  switch (item.type) {
    case 'agent_message':
      return { id, kind: 'message', text: clip(str(item.text) ?? '') };
    case 'reasoning':
      return { id, kind: 'reasoning', text: clip(str(item.text) ?? '') };
    case 'command_execution':
      return {
        id,
        kind: 'command',
        text: clip(str(item.command) ?? ''),
        status,
        exitCode: typeof item.exit_code === 'number' ? item.exit_code : undefined,
        output: tail(str(item.aggregated_output) ?? ''),
      };
    case 'file_change': {
      const changes = Array.isArray(item.changes) ? (item.changes as Json[]) : [];
      return { id, kind: 'files', text: clip(changes.map((c) => `${str(c.kind) ?? 'change'} ${str(c.path) ?? '?'}`).join('\n')), status };
    }
    case 'mcp_tool_call':
      return { id, kind: 'tool', text: `${str(item.server) ?? '?'}.${str(item.tool) ?? '?'}`, status };
    case 'web_search':
      return { id, kind: 'search', text: clip(str(item.query) ?? '') };
    case 'todo_list': {
      const todos = Array.isArray(item.items) ? (item.items as Json[]) : [];
      return { id, kind: 'todo', text: clip(todos.map((t) => `${t.completed ? '☑' : '☐'} ${str(t.text) ?? ''}`).join('\n')) };
    }
    case 'error':
      // An error item is one Codex went on after (a missing model description, say); a failed turn ends it.
      return { id, kind: 'warning', text: clip(str(item.message) ?? 'error') };
    default:
      return undefined;
  }
}

/**
 * The item one line of `codex exec --json` shows, or undefined for events with nothing to show
 * (thread.started, turn.started). `seq` numbers the items that have no id of their own.
 */
export function itemOfLine(line: string, seq: number): RunItem | undefined {
  if (!line.trim()) return undefined;
  let event: Json;
  try {
    event = JSON.parse(line) as Json;
  } catch {
    return { id: `log-${seq}`, kind: 'log', text: clip(line) };
  }
  if (!event || typeof event !== 'object') return { id: `log-${seq}`, kind: 'log', text: clip(line) };
  switch (event.type) {
    case 'item.started':
    case 'item.updated':
    case 'item.completed':
      return event.item && typeof event.item === 'object' ? fromItem(event.item as Json) : undefined;
    case 'turn.completed': {
      const usage = (event.usage ?? {}) as Json;
      const n = (k: string) => (typeof usage[k] === 'number' ? (usage[k] as number) : 0);
      return { id: `usage-${seq}`, kind: 'usage', text: `turn completed: ${n('input_tokens')} tokens in, ${n('output_tokens')} out` };
    }
    case 'turn.failed':
      return { id: `error-${seq}`, kind: 'error', text: clip(str((event.error as Json | undefined)?.message) ?? 'the turn failed') };
    case 'error':
      return { id: `error-${seq}`, kind: 'error', text: clip(str(event.message) ?? 'error') };
    default:
      return undefined;
  }
}

/** The run's final answer: its last agent message. Pure. */
export function finalAnswer(items: readonly RunItem[]): string | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (items[i].kind === 'message') return items[i].text;
  return undefined;
}
