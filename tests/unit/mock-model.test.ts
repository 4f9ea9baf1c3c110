import { lastUserText, mockResponseEvents } from '../../src/proxy/mock-model.js';

test('the mock model echoes the last user message, completed', () => {
  const body = {
    input: [
      { role: 'user', content: [{ type: 'input_text', text: 'first' }] },
      { role: 'assistant', content: [] },
      { role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
    ],
  };
  expect(lastUserText(body)).toBe('hello');
  const events = mockResponseEvents('hi there', '1').map((e) => JSON.parse(e.split('data: ')[1]));
  expect(events.map((e) => e.type)).toEqual([
    'response.created',
    'response.output_item.added',
    'response.output_text.delta',
    'response.output_text.delta',
    'response.output_item.done',
    'response.completed',
  ]);
  expect(events[4].item.content[0].text).toBe('hi there');
});
