import type { JudgedRole, Message } from '@vigil/guard-core';
import { type MessageRun, messageRuns, messageText, pythonStrip } from '@vigil/guard-core/internal';

/** One turn to judge: the messages up to and including it. */
export interface PlannedCheck {
  /** Index of the judged message (the last of its run of same-role messages). */
  turn: number;
  role: JudgedRole;
  messages: Message[];
  /** The judged turn's text, whitespace collapsed and cut short. */
  excerpt: string;
  /** Set when the turn holds content but no text Llama Guard can read: why it cannot be checked (an error row). */
  unreadable?: string | undefined;
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

/** The part types of a run's messages that carry no judged text (images, audio, files), or none. */
function unjudgedParts(messages: readonly Message[], run: MessageRun) {
  const types = new Set<string>();
  for (let index = run.start; index <= run.end; index++) {
    const message = messages[index] as Message;
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (messageText({ role: message.role, content: [part] }) === '') types.add(String(part.type));
    }
  }
  return [...types];
}

/**
 * Lists the turns of a conversation to judge: runs of consecutive user, or assistant, messages,
 * as Llama Guard sees them (guard-core's `messageRuns`: their text is its judged text, tool-call
 * arguments included). A run with no text but content Llama Guard cannot read (images, say) is
 * planned as `unreadable`, to be reported, never skipped; a blank run is no turn. By default only
 * the last turn (of `role`, when given) is checked.
 * @throws VigilInputError for an unknown role or malformed content, naming the message.
 */
export function planChecks(messages: readonly Message[], options: PlanOptions = {}): PlannedCheck[] {
  const eligible: PlannedCheck[] = [];
  for (const run of messageRuns(messages)) {
    if (options.role && run.role !== options.role) continue;
    const check = { turn: run.end, role: run.role, messages: messages.slice(0, run.end + 1) };
    if (pythonStrip(run.text) !== '') eligible.push({ ...check, excerpt: shorten(run.text) });
    else {
      const parts = unjudgedParts(messages, run);
      if (parts.length === 0) continue;
      const unreadable = `the ${run.role} turn has no text Llama Guard can read (only parts of type ${parts.join(', ')}): not checked`;
      eligible.push({ ...check, excerpt: '', unreadable });
    }
  }
  return options.everyTurn ? eligible : eligible.slice(-1);
}
