import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';
import { VigilDisposedError } from '../../errors.js';

/** Smallest long context created: below this, the pooled context's sequences serve. */
const minimumCells = 2048;

/**
 * A one-sequence context for prompts longer than the pooled context holds, created on demand,
 * sized to the next power of two of what the prompt needs (at most `limit` tokens), used by one
 * call at a time, grown when a longer prompt comes, and freed after `idleMs` without use, so
 * that its KV cache (about 32 KB per token for Llama Guard 3 1B at f16) is held only while long
 * conversations are being judged.
 */
export class LongContext {
  readonly #create: (cells: number) => Promise<LlamaContext>;
  readonly #idleMs: number;
  readonly limit: number;
  #context: LlamaContext | undefined;
  #sequence: LlamaContextSequence | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #running = 0;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;

  constructor(create: (cells: number) => Promise<LlamaContext>, limit: number, idleMs: number) {
    this.#create = create;
    this.limit = limit;
    this.#idleMs = idleMs;
  }

  /** Tokens the current context holds; 0 when none exists. */
  get cells() {
    return this.#context?.contextSize ?? 0;
  }

  /** Runs `work` on the long sequence once the calls before it are done. */
  run<T>(tokens: number, work: (sequence: LlamaContextSequence) => Promise<T>): Promise<T> {
    this.#running++;
    clearTimeout(this.#timer);
    const result = this.#tail.then(async () => work(await this.#sequenceFor(tokens)));
    this.#tail = result.then(
      () => this.#done(),
      () => this.#done(),
    );
    return result;
  }

  async dispose() {
    this.#disposed = true;
    clearTimeout(this.#timer);
    await this.#free();
  }

  async #sequenceFor(tokens: number) {
    if (this.#disposed) throw new VigilDisposedError('classify: the guard was disposed');
    if (this.#context && this.#sequence && this.#context.contextSize >= tokens) return this.#sequence;
    await this.#free();
    let cells = minimumCells;
    while (cells < tokens) cells *= 2;
    this.#context = await this.#create(Math.min(this.limit, cells));
    this.#sequence = this.#context.getSequence();
    return this.#sequence;
  }

  #done() {
    this.#running--;
    if (this.#running > 0 || this.#disposed || !this.#context) return;
    this.#timer = setTimeout(() => {
      if (this.#running === 0) this.#tail = this.#tail.then(() => this.#free());
    }, this.#idleMs);
    this.#timer.unref();
  }

  async #free() {
    const context = this.#context;
    this.#context = undefined;
    this.#sequence = undefined;
    await context?.dispose();
  }
}
