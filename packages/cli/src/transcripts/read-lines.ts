/** A line of text and its 1-based number. */
export interface NumberedLine {
  text: string;
  line: number;
  /** Bytes the line took in the input, its line break included. */
  bytes: number;
}

/**
 * Splits a stream of text chunks into numbered lines (`\n` or `\r\n`), pulling one chunk at a
 * time so memory stays constant however large the file is.
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
    let end = rest.indexOf('\n', start);
    while (end !== -1) {
      line++;
      const text = rest.slice(start, end);
      yield { text: stripCr(text), line, bytes: Buffer.byteLength(text) + 1 };
      start = end + 1;
      end = rest.indexOf('\n', start);
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield { text: stripCr(rest), line: line + 1, bytes: Buffer.byteLength(rest) };
}

function stripCr(text: string) {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
