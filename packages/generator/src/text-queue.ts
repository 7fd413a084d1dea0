/**
 * A push-driven async iterable of text pieces: a producer that cannot wait (node-llama-cpp's
 * `onTextChunk`) pushes, one consumer reads at its own pace. Unbounded: the producer is the
 * generator, which is stopped by abort rather than by back-pressure.
 * @example
 * const queue = new TextQueue();
 * queue.push('Hello'); queue.end();
 * for await (const piece of queue) console.log(piece);
 */
export class TextQueue implements AsyncIterable<string> {
  readonly #pieces: string[] = [];
  #done = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  push(piece: string) {
    if (this.#done || piece === '') return;
    this.#pieces.push(piece);
    this.#notify();
  }

  /** No more pieces: the iteration ends once the queued ones are read. */
  end() {
    this.#done = true;
    this.#notify();
  }

  /** The iteration throws `error` once the queued pieces are read. */
  fail(error: unknown) {
    this.#error = error ?? new Error('text queue failed');
    this.end();
  }

  #notify() {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    while (true) {
      const piece = this.#pieces.shift();
      if (piece !== undefined) {
        yield piece;
        continue;
      }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}
