import { unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commonPrefixLength } from './sequence-pool.js';
import { freeBytesAt, StateDirectory, stateBaseDirectory } from './state-directory.js';

/** What the cache needs of a context sequence (node-llama-cpp's `LlamaContextSequence`). */
export interface StateSequence {
  readonly contextTokens: readonly number[];
  readonly nextTokenIndex: number;
  eraseContextTokenRanges(ranges: { start: number; end: number }[]): Promise<void>;
  saveStateToFile(filePath: string): Promise<{ fileSize: number }>;
  loadStateFromFile(filePath: string, acceptRisk: { acceptRisk: true }): Promise<void>;
}

interface Entry {
  readonly tokens: readonly number[];
  readonly file: string;
  readonly bytes: number;
  used: number;
  readers: number;
  evicted: boolean;
}

export interface StateCacheOptions {
  /** Most bytes of state files kept; the least recently used go first. */
  maxBytes: number;
  /** KV bytes per token, to skip a save that could not fit. */
  bytesPerToken: number;
  /** Where the private directory is made. Defaults to `XDG_RUNTIME_DIR` when it is private to the user, else `/dev/shm` when present, else the OS temporary directory (see `stateBaseDirectory`). */
  baseDirectory?: string | undefined;
}

/** A state is saved only when it holds at least this many tokens beyond the policy prefix. */
export const minSavedTokens = 48;
/** A state is restored only when it gives at least this many more cached tokens than the sequence holds. */
const minRestoreGain = 32;
/** A saved state serves every prompt an older one did, to within this many tokens (token seams at turn ends). */
const seamSlack = 8;
const maxDefaultBytes = 1024 ** 3;

/**
 * The default budget: an eighth of free RAM, at most a quarter of the free space where the files
 * go, at most 1 GiB.
 */
export function defaultStateCacheBytes(baseDirectory = stateBaseDirectory()) {
  const bytes = Math.min(maxDefaultBytes, os.freemem() / 8, freeBytesAt(baseDirectory) / 4);
  return Math.max(0, Math.floor(bytes));
}

/**
 * Conversation states kept outside the KV cache, so that they outlive their sequence being handed
 * to other conversations: after a verdict, the sequence's state is written to a file (on a
 * RAM-backed file system when there is one), keyed by its tokens; a later prompt that extends a
 * cached state is restored from it and evaluates only what is new. An LRU bounded by bytes
 * (ADR 0006).
 */
export class StateCache {
  readonly #options: StateCacheOptions;
  readonly #directory: StateDirectory;
  readonly #entries = new Set<Entry>();
  readonly #pending = new Set<Promise<void>>();
  /** The save in flight on each sequence: its next user waits for it (see {@link settled}). */
  readonly #saving = new Map<StateSequence, Promise<void>>();
  #bytes = 0;
  #clock = 0;
  #files = 0;
  #closed = false;
  readonly stats = {
    saves: 0,
    saveFailures: 0,
    savedBytes: 0,
    saveMs: 0,
    restores: 0,
    restoreFailures: 0,
    restoredTokens: 0,
    restoreMs: 0,
    evictions: 0,
  };

  constructor(options: StateCacheOptions) {
    this.#options = options;
    this.#directory = new StateDirectory(options.baseDirectory);
  }

  /** Bytes of the state files kept. */
  get bytes() {
    return this.#bytes;
  }

  /** The budget in bytes. */
  get maxBytes() {
    return this.#options.maxBytes;
  }

  get entries() {
    return this.#entries.size;
  }

  get directory() {
    return this.#directory.path;
  }

  /**
   * Loads into `sequence` the cached state sharing the longest prefix with `tokens`, when it
   * covers at least a few dozen tokens more than the sequence already holds. A failed load
   * leaves the sequence empty (llama.cpp clears it), which costs only evaluation.
   */
  async restore(sequence: StateSequence, tokens: readonly number[]) {
    if (this.#closed) return false;
    const have = commonPrefixLength(sequence.contextTokens, tokens);
    let best: Entry | undefined;
    let bestLength = have + minRestoreGain - 1;
    for (const entry of this.#entries) {
      const length = commonPrefixLength(entry.tokens, tokens);
      if (length > bestLength) {
        best = entry;
        bestLength = length;
      }
    }
    if (!best) return false;
    best.used = ++this.#clock;
    best.readers++;
    const started = performance.now();
    try {
      await sequence.loadStateFromFile(best.file, { acceptRisk: true });
      this.stats.restores++;
      this.stats.restoredTokens += bestLength - have;
      return true;
    } catch {
      this.stats.restoreFailures++;
      this.#evict(best);
      return false;
    } finally {
      this.stats.restoreMs += performance.now() - started;
      best.readers--;
      if (best.evicted && best.readers === 0) void removeFile(best.file);
    }
  }

  /**
   * Whether the state of `sequence` cut at `end` is worth saving: at least
   * {@link minSavedTokens} beyond the `reusable` policy prefix, within the budget, and not
   * already served by a cached state.
   */
  worthSaving(sequence: StateSequence, end: number, reusable: number) {
    if (this.#closed || end - reusable < minSavedTokens) return false;
    if (end * this.#options.bytesPerToken > this.#options.maxBytes) return false;
    const tokens = sequence.contextTokens.slice(0, end);
    for (const entry of this.#entries) {
      if (entry.tokens.length >= end && commonPrefixLength(entry.tokens, tokens) >= end - seamSlack) {
        entry.used = ++this.#clock;
        return false;
      }
    }
    return true;
  }

  /**
   * Cuts `sequence` at `end` (the answer and the fixed tail are not worth keeping) and saves its
   * state in the background; the sequence may go back to its pool at once, and whoever takes it
   * next waits for the save with {@link settled} (the pool still sees what it holds, so a busy
   * save never costs another conversation its reuse of the policy prefix). Never throws: a failed
   * save only means a later prompt evaluates more.
   */
  saveInBackground(sequence: StateSequence, end: number) {
    const work = this.#save(sequence, end);
    this.#pending.add(work);
    this.#saving.set(sequence, work);
    void work.finally(() => {
      this.#pending.delete(work);
      if (this.#saving.get(sequence) === work) this.#saving.delete(sequence);
    });
  }

  /** Resolves once no save is in flight on `sequence` (at once when none is). */
  async settled(sequence: StateSequence) {
    await this.#saving.get(sequence);
  }

  async #save(sequence: StateSequence, end: number) {
    const started = performance.now();
    const file = path.join(this.#directory.path, `${++this.#files}.state`);
    try {
      if (sequence.nextTokenIndex > end) {
        await sequence.eraseContextTokenRanges([{ start: end, end: sequence.nextTokenIndex }]);
      }
      const tokens = [...sequence.contextTokens];
      const { fileSize } = await sequence.saveStateToFile(file);
      if (this.#closed) return void (await removeFile(file));
      this.#insert({ tokens, file, bytes: fileSize, used: ++this.#clock, readers: 0, evicted: false });
      this.stats.saves++;
      this.stats.savedBytes += fileSize;
    } catch {
      this.stats.saveFailures++;
      await removeFile(file);
    } finally {
      this.stats.saveMs += performance.now() - started;
    }
  }

  #insert(entry: Entry) {
    // States the new one serves as well (earlier turns of the same conversation) go first.
    for (const other of this.#entries) {
      if (
        other.tokens.length <= entry.tokens.length &&
        commonPrefixLength(other.tokens, entry.tokens) >= other.tokens.length - seamSlack
      ) {
        this.#evict(other);
      }
    }
    this.#entries.add(entry);
    this.#bytes += entry.bytes;
    while (this.#bytes > this.#options.maxBytes) {
      let oldest: Entry | undefined;
      for (const other of this.#entries) if (!oldest || other.used < oldest.used) oldest = other;
      if (!oldest) break;
      this.#evict(oldest);
    }
  }

  #evict(entry: Entry) {
    if (!this.#entries.delete(entry)) return;
    this.#bytes -= entry.bytes;
    this.stats.evictions++;
    entry.evicted = true;
    if (entry.readers === 0) void removeFile(entry.file);
  }

  /** Waits for saves in flight, then removes every file and the directory. Idempotent. */
  async dispose() {
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
    this.#entries.clear();
    this.#bytes = 0;
    await this.#directory.dispose();
  }
}

async function removeFile(file: string) {
  await unlink(file).catch(() => {});
}
