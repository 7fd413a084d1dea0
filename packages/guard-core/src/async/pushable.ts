/**
 * An async iterable fed by calls: turns push-style producers (Node's `res.write`,
 * node-llama-cpp's `onTextChunk`) into a stream one consumer reads at its own pace. Unbounded:
 * producers are stopped by abort, not by back-pressure. Values pushed after `close()` are dropped;
 * after `fail(error)` the iteration throws `error` once the queued values are read.
 * @example
 * const chunks = createPushable<Uint8Array>();
 * chunks.push(bytes);
 * chunks.close();
 * for await (const chunk of chunks) use(chunk);
 */
export function createPushable<T>() {
  const queue: T[] = [];
  let closed = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const close = () => {
    closed = true;
    notify();
  };
  return {
    push(value: T) {
      if (closed) return;
      queue.push(value);
      notify();
    },
    /** No more values: the iteration ends once the queued ones are read. */
    close,
    /** The iteration throws `error` once the queued values are read. */
    fail(error: unknown) {
      if (!closed) failure = { error: error ?? new Error('the producer failed') };
      close();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
      for (;;) {
        if (queue.length > 0) yield queue.shift() as T;
        else if (failure) throw failure.error;
        else if (closed) return;
        else
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
    },
  };
}

/** A queue from {@link createPushable}. */
export type Pushable<T> = ReturnType<typeof createPushable<T>>;
