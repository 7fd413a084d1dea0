import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { StreamModerator } from '@vigil/guard-core';
import { lastWordEnd, type StreamSession } from '@vigil/guard-core/internal';
import { fileText } from './prompt-text.js';

export type Part = LanguageModelV3StreamPart;
export type FinishPart = Extract<Part, { type: 'finish' }>;
type DeltaPart = Extract<Part, { type: 'text-delta' | 'reasoning-delta' | 'tool-input-delta' }>;

/** What of the answer is judged besides its text. */
export interface JudgedParts {
  toolCalls: boolean;
  reasoning: boolean;
  toolResults: boolean;
}

/** A part waiting to be released: it may go once the checked text reaches `end`. */
interface Held {
  part: Part;
  /** For judged deltas: where its text starts in the moderated text (released piece by piece). */
  start: number | undefined;
  end: number;
}

const separator = '\n\n';
const endOf = {
  'text-start': 'text-end',
  'reasoning-start': 'reasoning-end',
  'tool-input-start': 'tool-input-end',
} as const;

function isDelta(part: Part): part is DeltaPart {
  return part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-input-delta';
}

function isBlockEnd(
  part: Part,
): part is Extract<Part, { type: 'text-end' | 'reasoning-end' | 'tool-input-end' }> {
  return part.type === 'text-end' || part.type === 'reasoning-end' || part.type === 'tool-input-end';
}

/** The judged channel of a delta (`kind:id`), or undefined when its kind is not judged. */
function channelOf(part: DeltaPart, judge: JudgedParts): string | undefined {
  if (part.type === 'text-delta') return `text:${part.id}`;
  if (part.type === 'reasoning-delta') return judge.reasoning ? `reasoning:${part.id}` : undefined;
  return judge.toolCalls ? `tool:${part.id}` : undefined;
}

/** The judged text of a part that comes whole: a tool call without input deltas, a tool result, a text file. */
function wholeText(part: Part, judge: JudgedParts, toolInputs: ReadonlySet<string>): string | undefined {
  if (part.type === 'tool-call' && judge.toolCalls && !toolInputs.has(part.toolCallId)) {
    return `${part.toolName} ${part.input}`;
  }
  if (part.type === 'tool-result' && judge.toolResults) {
    return `${part.toolName} ${JSON.stringify(part.result)}`;
  }
  if (part.type === 'file') return fileText(part) || undefined;
  return undefined;
}

/** The blocks (text, reasoning, tool input) started and not yet ended in what was let out. */
function createOpenBlocks() {
  const open = new Map<string, (typeof endOf)[keyof typeof endOf]>();
  return {
    /** Notes a part as it leaves. */
    emitted(part: Part): Part {
      if (part.type in endOf) open.set((part as { id: string }).id, endOf[part.type as keyof typeof endOf]);
      else if (isBlockEnd(part)) open.delete(part.id);
      return part;
    },
    /** The end parts of the open blocks (then none is open). */
    close(): Part[] {
      const ends = [...open].map(([id, type]) => ({ type, id }) as Part);
      open.clear();
      return ends;
    },
  };
}

/**
 * The answer's judged text in one moderator of `session`, block after block, and how much of it
 * is released.
 */
function createJudgedText(session: StreamSession, moderator: StreamModerator) {
  const state = { text: '', released: 0, channel: undefined as string | undefined };
  /** The kind (`text`, `reasoning`, `tool`, `whole`) of the last block judged. */
  let lastKind: string | undefined;

  async function push(piece: string) {
    state.text += piece;
    const step = await moderator.push(piece);
    if (!session.enforce) state.released = state.text.length;
    else if (moderator.blocked) return;
    else if (session.strategy === 'buffer') state.released += step.release.length;
    else state.released = Math.max(state.released, lastWordEnd(state.text, state.released));
  }

  /**
   * Blocks are judged apart (a blank line between them), except text after text: `textStream`
   * and the text parts a UI renders show them joined, so a word split across them is judged whole.
   */
  async function enter(key: string) {
    if (state.channel === key) return;
    const kind = key.slice(0, key.indexOf(':'));
    const joined = kind === 'text' && lastKind === 'text';
    if (state.text !== '' && !joined && !/\s$/.test(state.text)) await push(separator);
    state.channel = key;
    lastKind = kind;
  }

  /** Leaves the block `key` if it is the one being judged (a blank line after it, but after text). */
  async function leave(key: string, separated: boolean) {
    if (state.channel !== key) return;
    state.channel = undefined;
    if (separated) await push(separator);
  }

  return { state, push, enter, leave };
}

/**
 * Feeds AI SDK stream parts to one moderator of `session` as one answer (blocks judged apart,
 * with a blank line between them) and holds each part until the text before it is released:
 * deltas leave cut at the released boundary.
 */
export function createPartsFeed(session: StreamSession, moderator: StreamModerator, judge: JudgedParts) {
  const judged = createJudgedText(session, moderator);
  const answer = judged.state;
  let cursor = 0;
  let finishPart: FinishPart | undefined;
  const held: Held[] = [];
  const rawParts: Part[] = [];
  const toolInputs = new Set<string>();
  const blocks = createOpenBlocks();

  /**
   * Under `'progressive'` a tool call waits for the final check (and what follows it waits behind
   * it): the caller runs the tool as soon as it sees the call, so a later cut would be too late.
   */
  function hold(part: Part) {
    const gated =
      session.enforce && session.strategy === 'progressive' && part.type === 'tool-call' && judge.toolCalls;
    held.push({ part, start: undefined, end: gated ? Number.POSITIVE_INFINITY : answer.text.length });
  }

  /** The held parts the checked text now lets through, deltas cut at the checked boundary. */
  function flush(): Part[] {
    const out: Part[] = [];
    const { text, released } = answer;
    while (held.length > 0) {
      const head = held[0] as Held;
      if (head.start !== undefined && isDelta(head.part)) {
        const from = Math.max(head.start, cursor);
        const to = Math.min(head.end, released);
        const last = out.at(-1);
        if (to > from && last?.type === head.part.type && isDelta(last) && last.id === head.part.id) {
          out[out.length - 1] = { ...last, delta: last.delta + text.slice(from, to) };
        } else if (to > from) out.push({ ...head.part, delta: text.slice(from, to) });
        cursor = Math.max(cursor, to);
      } else if (head.end <= released) {
        out.push(blocks.emitted(head.part));
      }
      if (head.end > released) break;
      held.shift();
    }
    return out;
  }

  async function handle(part: Part): Promise<void> {
    if (part.type === 'finish') {
      finishPart = part;
      return;
    }
    if (isDelta(part)) {
      const key = channelOf(part, judge);
      if (key === undefined) return hold(part);
      if (part.type === 'tool-input-delta') toolInputs.add(part.id);
      await judged.enter(key);
      held.push({ part, start: answer.text.length, end: answer.text.length + part.delta.length });
      return judged.push(part.delta);
    }
    if (isBlockEnd(part)) {
      hold(part);
      const kind = part.type === 'text-end' ? 'text' : part.type === 'reasoning-end' ? 'reasoning' : 'tool';
      return judged.leave(`${kind}:${part.id}`, kind !== 'text');
    }
    if (part.type === 'raw' && session.strategy === 'buffer') {
      // The provider's raw chunk holds the same text as the deltas parsed from it, usually before
      // them: it may go only once the whole answer has passed.
      rawParts.push(part);
      return;
    }
    const whole = wholeText(part, judge, toolInputs);
    if (whole === undefined) return hold(part);
    // A tool call that came whole (no input deltas), a provider-executed tool's result: judged
    // before the part leaves.
    const key = `whole:${held.length}:${answer.text.length}`;
    await judged.enter(key);
    await judged.push(whole);
    hold(part);
    return judged.leave(key, true);
  }

  return {
    /** Feeds one part; resolves with the parts now let out (undefined: none). */
    async piece(part: Part): Promise<Part[] | undefined> {
      await handle(part);
      const out = flush();
      return out.length > 0 ? out : undefined;
    },
    flush,
    /** Lets out everything held: the whole answer has passed (or, not enforcing, all text). */
    releaseAll(withRaw: boolean): Part[] {
      answer.released = withRaw ? Number.POSITIVE_INFINITY : answer.text.length;
      return [...flush(), ...(withRaw ? rawParts : [])];
    },
    closeBlocks: () => blocks.close(),
    finishPart: () => finishPart,
  };
}
