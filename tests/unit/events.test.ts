import { finalAnswer, itemOfLine, MAX_OUTPUT } from '../../src/dashboard/events.js';

// Lines as the real Codex 0.171 prints them with `exec --json`.
const lines = {
  thread: '{"type":"thread.started","thread_id":"01a2"}',
  warning: '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-4-internal` not found."}}',
  started:
    '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'ls -1\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  completed:
    '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'ls -1\'","aggregated_output":"a.txt\\n","exit_code":0,"status":"completed"}}',
  message: '{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Two files."}}',
  usage: '{"type":"turn.completed","usage":{"input_tokens":12,"cached_input_tokens":0,"output_tokens":7}}',
  failed: '{"type":"turn.failed","error":{"message":"stream disconnected"}}',
  error: '{"type":"error","message":"Reconnecting... 1/5"}',
};

test.each([
  [lines.thread, undefined],
  ['{"type":"turn.started"}', undefined],
  ['', undefined],
  [lines.warning, { id: 'item_0', kind: 'warning', text: 'Model metadata for `gpt-4-internal` not found.' }],
  [lines.started, { id: 'item_1', kind: 'command', text: "/bin/bash -lc 'ls -1'", status: 'in_progress', output: '' }],
  [lines.completed, { id: 'item_1', kind: 'command', text: "/bin/bash -lc 'ls -1'", status: 'completed', exitCode: 0, output: 'a.txt\n' }],
  [lines.message, { id: 'item_2', kind: 'message', text: 'Two files.' }],
  [lines.usage, { id: 'usage-3', kind: 'usage', text: 'turn completed: 12 tokens in, 7 out' }],
  [lines.failed, { id: 'error-3', kind: 'error', text: 'stream disconnected' }],
  [lines.error, { id: 'error-3', kind: 'error', text: 'Reconnecting... 1/5' }],
  ['not json', { id: 'log-3', kind: 'log', text: 'not json' }],
  ['42', { id: 'log-3', kind: 'log', text: '42' }],
  ['{"type":"item.completed","item":{"id":"x","type":"something_new"}}', undefined],
])('%s', (line, item) => {
  expect(itemOfLine(line, 3)).toEqual(item);
});

test('a long output keeps its end', () => {
  const out = `${'a'.repeat(MAX_OUTPUT)}END`;
  const line = JSON.stringify({
    type: 'item.completed',
    item: { id: 'c', type: 'command_execution', command: 'x', aggregated_output: out },
  });
  const item = itemOfLine(line, 0);
  expect(item?.output?.endsWith('END')).toBe(true);
  expect(item?.output?.length).toBe(MAX_OUTPUT + 1);
});

test('file changes, plans and tool calls are shown too', () => {
  const f = itemOfLine(
    '{"type":"item.completed","item":{"id":"f","type":"file_change","changes":[{"path":"a.ts","kind":"update"}],"status":"completed"}}',
    0,
  );
  expect(f).toEqual({ id: 'f', kind: 'files', text: 'update a.ts', status: 'completed' });
  const t = itemOfLine(
    '{"type":"item.updated","item":{"id":"t","type":"todo_list","items":[{"text":"read","completed":true},{"text":"fix","completed":false}]}}',
    0,
  );
  expect(t?.text).toBe('☑ read\n☐ fix');
});

test('the final answer is the last message', () => {
  expect(finalAnswer([])).toBeUndefined();
  expect(
    finalAnswer([
      { id: '1', kind: 'message', text: 'first' },
      { id: '2', kind: 'command', text: 'ls' },
      { id: '3', kind: 'message', text: 'last' },
      { id: '4', kind: 'usage', text: 'u' },
    ]),
  ).toBe('last');
});
