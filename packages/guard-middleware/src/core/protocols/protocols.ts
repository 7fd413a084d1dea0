import { anthropicMessages } from './anthropic-messages.js';
import { openaiChat, openaiCompletions } from './openai-choices.js';
import { openaiResponses } from './openai-responses.js';
import type { JudgedFields, Piece, Protocol, ProtocolName, StreamMemory } from './types.js';
import { isRecord } from './types.js';

/** The protocol table: every API shape the middleware reads, in the order they are tried. */
export const protocols: readonly Protocol[] = [
  openaiChat,
  openaiCompletions,
  openaiResponses,
  anthropicMessages,
];

export const protocolNamed = (name: ProtocolName): Protocol =>
  protocols.find((protocol) => protocol.name === name) ?? openaiChat;

/**
 * The texts of a JSON answer, with the protocol that read them, or `undefined` for a body no
 * protocol recognises (which is not proof of safety: the caller applies its fail mode).
 * @example
 * readAnswer({ choices: [{ message: { content: 'Hi' } }] }, fields); // { protocol: 'openai-chat', pieces: [{ channel: 'c0:content', text: 'Hi' }] }
 */
export function readAnswer(
  body: unknown,
  fields: JudgedFields,
): { protocol: ProtocolName; pieces: Piece[] } | undefined {
  if (!isRecord(body)) return undefined;
  for (const protocol of protocols) {
    const pieces = protocol.readAnswer(body, fields);
    if (pieces) return { protocol: protocol.name, pieces };
  }
  return undefined;
}

export const newMemory = (): StreamMemory => ({
  last: undefined,
  open: new Set(),
  sequence: undefined,
  positions: [],
});
