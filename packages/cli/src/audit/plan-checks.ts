import type { JudgedRole, Message } from '@vigil/guard-core';
import { judgedTurns } from '@vigil/guard-core/internal';

/** One turn to judge: the messages up to and including it. */
export interface PlannedCheck {
  /** Index of the judged message (the last of its run of same-role messages). */
  turn: number;
  role: JudgedRole;
  messages: Message[];
  /** The judged turn's text, whitespace collapsed and cut short. */
  excerpt: string;
}

export interface PlanOptions {
  /** Check every user and assistant turn in the context of the ones before it. Defaults to `false` (the last turn only). */
  everyTurn?: boolean | undefined;
  /** Check only turns of this role. Defaults to both. */
  role?: JudgedRole | undefined;
}

function shorten(value: string, length = 100) {
  const collapsed = value.replace(/\s+/g, ' ').trim();
  return collapsed.length > length ? `${collapsed.slice(0, length - 1)}…` : collapsed;
}

/**
 * Lists the turns of a conversation to judge: guard-core's `judgedTurns` (a run of consecutive
 * user, or assistant, messages, as Llama Guard sees it; runs with no text are not judged). By
 * default only the last turn (of `role`, when given) is checked.
 * @throws VigilInputError for an unknown role or malformed content, naming the message.
 */
export function planChecks(messages: readonly Message[], options: PlanOptions = {}): PlannedCheck[] {
  const eligible = judgedTurns(messages, { role: options.role });
  const chosen = options.everyTurn ? eligible : eligible.slice(-1);
  return chosen.map((turn) => ({
    turn: turn.end,
    role: turn.role,
    messages: messages.slice(0, turn.end + 1),
    excerpt: shorten(turn.text),
  }));
}
