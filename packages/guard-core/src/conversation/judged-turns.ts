import { VigilInputError } from '../errors.js';
import { describeMessage, messageSeparator, messageTexts, partSeparator } from './message-text.js';
import { pythonStrip } from './python-strip.js';
import { acceptedRoles, roleKind } from './roles.js';
import type { JudgedRole, Message } from './types.js';

/** A run of consecutive messages of one role (system, developer and tool messages between them left out). */
export interface MessageRun {
  role: JudgedRole;
  /** Index of the run's first message. */
  start: number;
  /** Index of the run's last message. */
  end: number;
  /** False when no message of the run has a text part (only images, say, or null content). */
  hasParts: boolean;
  /** The run's text: each message's {@link messageText}, joined with a blank line. */
  text: string;
}

/** One turn a checker judges: a run of same-role messages with text. */
export interface JudgedTurn {
  role: JudgedRole;
  /** Index of the turn's first message. */
  start: number;
  /** Index of the turn's last message: judge `messages.slice(0, end + 1)`. */
  end: number;
  /** The turn's text, exactly as Llama Guard judges it (before the template's strip). */
  text: string;
}

export interface JudgedTurnsOptions {
  /** Only turns of this role. Defaults to both. */
  role?: JudgedRole | undefined;
}

/** The role of `messages[index]`, or a `VigilInputError` naming it. */
export function roleAt(messages: readonly Message[], index: number) {
  const message = messages[index];
  if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
    throw new VigilInputError(`messages[${index}]: expected an object with a string 'role'`);
  }
  const kind = roleKind(message.role);
  if (kind === undefined) {
    throw new VigilInputError(
      `${describeMessage(index, message.role)}: unknown role; expected ${acceptedRoles}`,
    );
  }
  return kind;
}

/**
 * The runs of user and assistant messages in `messages[0..=upTo]`, in order. Every role is
 * checked, also after `upTo`: an unknown role anywhere is a `VigilInputError`, never skipped.
 */
export function messageRuns(messages: readonly Message[], upTo = messages.length - 1): MessageRun[] {
  // One pass, no intermediate objects: a 1 MB body can hold 25,000 messages.
  const runs: MessageRun[] = [];
  let last: MessageRun | undefined;
  let texts: string[] = [];
  const close = () => {
    if (last) last.text = texts.length === 1 ? (texts[0] as string) : texts.join(messageSeparator);
  };
  for (let index = 0; index < messages.length; index++) {
    const kind = roleAt(messages, index);
    if (kind === 'ignored' || index > upTo) continue;
    const parts = messageTexts(messages[index] as Message, index);
    const joined = parts.length === 1 ? (parts[0] as string) : parts.join(partSeparator);
    if (last?.role === kind) {
      last.end = index;
      if (parts.length > 0) {
        texts.push(joined);
        last.hasParts = true;
      }
    } else {
      close();
      last = { role: kind, start: index, end: index, hasParts: parts.length > 0, text: '' };
      runs.push(last);
      texts = parts.length > 0 ? [joined] : [];
    }
  }
  close();
  return runs;
}

/**
 * The turns a checker would judge, in order: each run of consecutive user (or assistant) messages
 * whose text is not blank, with the index of its last message and its text. The audit judges
 * `messages.slice(0, turn.end + 1)` for each, or only the last.
 * @throws VigilInputError for an unknown role or malformed content, naming the message.
 * @example
 * judgedTurns([{ role: 'user', content: 'Hi' }, { role: 'user', content: 'there' }]);
 * // [{ role: 'user', start: 0, end: 1, text: 'Hi\n\nthere' }]
 */
export function judgedTurns(messages: readonly Message[], options: JudgedTurnsOptions = {}): JudgedTurn[] {
  return messageRuns(messages)
    .filter((run) => pythonStrip(run.text) !== '' && (!options.role || run.role === options.role))
    .map(({ role, start, end, text }) => ({ role, start, end, text }));
}
