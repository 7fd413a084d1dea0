/**
 * An async iterable fed by calls: turns push-style writes (Node's `res.write`) into a stream the
 * core can read. Values pushed after `close()` are dropped.
 * @example
 * const chunks = createPushable<Uint8Array>();
 * chunks.push(bytes);
 * chunks.close();
 * for await (const chunk of chunks) use(chunk);
 */
export function createPushable<T>() {
  const queue: T[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(value: T) {
      if (closed) return;
      queue.push(value);
      notify();
    },
    close() {
      closed = true;
      notify();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
      for (;;) {
        if (queue.length > 0) yield queue.shift() as T;
        else if (closed) return;
        else
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
    },
  };
}
