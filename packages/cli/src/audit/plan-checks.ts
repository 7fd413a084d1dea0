import type { JudgedRole, Message } from '@vigil/guard-core';

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

function text(message: Message) {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join(' ');
}

function shorten(value: string, length = 100) {
  const collapsed = value.replace(/\s+/g, ' ').trim();
  return collapsed.length > length ? `${collapsed.slice(0, length - 1)}…` : collapsed;
}

/**
 * Lists the turns of a conversation to judge. A turn is a run of consecutive user (or assistant)
 * messages, as Llama Guard sees it; runs with no text are not judged. By default only the last
 * turn (of `role`, when given) is checked.
 */
export function planChecks(messages: readonly Message[], options: PlanOptions = {}): PlannedCheck[] {
  const runs: { end: number; role: JudgedRole; text: string }[] = [];
  messages.forEach((message, index) => {
    if (message.role !== 'user' && message.role !== 'assistant') return;
    const last = runs.at(-1);
    if (last?.role === message.role) {
      last.end = index;
      last.text += ` ${text(message)}`;
    } else runs.push({ end: index, role: message.role, text: text(message) });
  });
  const eligible = runs.filter(
    (run) => run.text.trim() !== '' && (!options.role || run.role === options.role),
  );
  const chosen = options.everyTurn ? eligible : eligible.slice(-1);
  return chosen.map((run) => ({
    turn: run.end,
    role: run.role,
    messages: messages.slice(0, run.end + 1),
    excerpt: shorten(run.text),
  }));
}
