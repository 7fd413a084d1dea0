import { describe, expect, it } from 'vitest';
import { parseRecordText } from './parse-record.js';

// Issue 23, point 6: a bad record keeps its id, and the problem names what is really wrong,
// with one message as with two.
describe('parseRecordText on a record it cannot judge', () => {
  it('names an unknown role and keeps the id, with one message as with two', () => {
    const one = parseRecordText('{"id": "r1", "messages": [{"role": "robot", "content": "hi"}]}');
    expect(one).toEqual({
      id: 'r1',
      problem: expect.stringMatching(/^messages\[0\] \(role 'robot'\): unknown role/),
    });
    const two = parseRecordText(
      '{"id": "r2", "messages": [{"role": "system", "content": "be nice"}, {"role": "robot", "content": "hi"}]}',
    );
    expect(two).toEqual({
      id: 'r2',
      problem: expect.stringMatching(/^messages\[1\] \(role 'robot'\): unknown role/),
    });
  });

  it('says a message holds only images, which Llama Guard 3 1B cannot read, and keeps the id', () => {
    const record = {
      id: 42,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/cat.png' } }] }],
    };
    expect(parseRecordText(JSON.stringify(record))).toMatchInlineSnapshot(`
      {
        "id": "42",
        "problem": "no text to judge: messages[0] (role 'user') holds only images, and Llama Guard 3 1B reads text only; expected at least one user or assistant turn with text",
      }
    `);
  });

  it('keeps the id of an empty conversation and of a record whose messages are malformed', () => {
    expect(parseRecordText('{"id": "e", "messages": []}')).toMatchObject({
      id: 'e',
      problem: /empty conversation/,
    });
    expect(parseRecordText('{"id": "m", "messages": [{"content": "x"}]}')).toEqual({
      id: 'm',
      problem: 'messages[0].role: expected string, received undefined',
    });
  });
});
