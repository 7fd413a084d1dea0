import { describe, expect, it } from 'vitest';
import { readLines } from '../../transcripts/read-lines.js';
import { csvRecords } from './csv-records.js';

async function parse(text: string) {
  const out = [];
  for await (const record of csvRecords(readLines([text]))) out.push(record);
  return out;
}

describe('csvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, with their start line', async () => {
    expect(await parse('\uFEFFid,prompt\r\n1,"a, ""b"""\n\n2,"two\nlines",x\n3,\n')).toEqual([
      { fields: ['id', 'prompt'], line: 1 },
      { fields: ['1', 'a, "b"'], line: 2 },
      { fields: ['2', 'two\nlines', 'x'], line: 4 },
      { fields: ['3', ''], line: 6 },
    ]);
  });

  it('reports an unclosed quote at its line', async () => {
    expect(await parse('a,b\n1,"open\n2,3')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { problem: 'unexpected end of file: a quoted CSV field is not closed', line: 2 },
    ]);
  });
});
