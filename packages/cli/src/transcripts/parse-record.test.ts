import { describe, expect, it } from 'vitest';
import { parseRecordText } from './parse-record.js';

describe('parseRecordText', () => {
  it('reads the three conversation shapes and keeps the id', () => {
    expect(parseRecordText('{"id": 7, "messages": [{"role": "user", "content": "hi"}]}')).toEqual({
      id: '7',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(parseRecordText('[{"role": "user", "content": [{"type": "text", "text": "hi"}]}]')).toEqual({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      id: undefined,
    });
    expect(
      parseRecordText(
        '{"id": "a", "conversations": [{"from": "system", "value": "s"}, {"from": "human", "value": "q"}, {"from": "gpt", "value": "r"}]}',
      ),
    ).toEqual({
      id: 'a',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'r' },
      ],
    });
  });

  it('says what is wrong with a bad record', () => {
    expect(parseRecordText('{"messages": [{"role": "user"')).toMatchInlineSnapshot(`
      {
        "problem": "malformed JSON: Expected ',' or '}' after property value in JSON at position 29",
      }
    `);
    expect(parseRecordText('{"messages": [{"content": "x"}]}')).toMatchInlineSnapshot(`
      {
        "problem": "messages[0].role: expected string, received undefined",
      }
    `);
    expect(parseRecordText('{"text": "x"}')).toMatchInlineSnapshot(`
      {
        "problem": "expected { "messages": [...] }, a message array or { "conversations": [...] }, received an object with keys text",
      }
    `);
    expect(parseRecordText('{"messages": [{"role": "system", "content": "x"}]}')).toMatchInlineSnapshot(`
      {
        "problem": "empty conversation: expected at least one user or assistant turn with text, received 1 message(s)",
      }
    `);
    expect(parseRecordText('[{"role": "user", "content": "x"}]', true)).toMatchInlineSnapshot(`
      {
        "problem": "expected a ShareGPT record { "conversations": [...] }, received an array",
      }
    `);
  });
});
