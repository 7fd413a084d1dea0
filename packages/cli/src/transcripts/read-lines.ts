/** A line of text and its 1-based number. */
export interface NumberedLine {
  text: string;
  line: number;
  /** Bytes the line took in the input, its line break included. */
  bytes: number;
}

const lineBreak = /\r\n|\r|\n/g;

/**
 * Splits a stream of text chunks into numbered lines, ending at `\n`, `\r\n` or a lone `\r`
 * (files saved on any system), pulling one chunk at a time so memory stays constant however
 * large the file is.
 * @example
 * for await (const { text, line } of readLines(createReadStream(file, 'utf8'))) console.log(line, text);
 */
export async function* readLines(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<NumberedLine> {
  let rest = '';
  let line = 0;
  const decoder = new TextDecoder();
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    lineBreak.lastIndex = 0;
    for (let found = lineBreak.exec(rest); found; found = lineBreak.exec(rest)) {
      // A `\r` at the end of a chunk may be the first half of a `\r\n`: wait for the next chunk.
      if (found[0] === '\r' && found.index === rest.length - 1) break;
      line++;
      const text = rest.slice(start, found.index);
      yield { text, line, bytes: Buffer.byteLength(text) + found[0].length };
      start = found.index + found[0].length;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.endsWith('\r')) {
    const text = rest.slice(0, -1);
    yield { text, line: line + 1, bytes: Buffer.byteLength(text) + 1 };
  } else if (rest.length > 0) yield { text: rest, line: line + 1, bytes: Buffer.byteLength(rest) };
}
