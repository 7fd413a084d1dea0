import type { ChatTurn } from './chat-runtime.js';
import type { ChatPiece, ChatResult, GenerateResult } from './types.js';

/** What the backend reports of a generation (nothing generated: zeros). */
export type Generated = Pick<GenerateResult, 'promptTokens' | 'completionTokens' | 'draft'>;

/** The delivered answer: its text, why it ended, what was refused and the verdicts. */
export type DeliveredAnswer = Pick<ChatResult, 'finishReason' | 'refused' | 'verdicts'> & { content: string };

/** A chat's last piece: its outcome, with the delivered answer, its verdicts and its usage. */
export function endPiece(turn: ChatTurn, answer: DeliveredAnswer, generated: Generated): ChatPiece {
  return { type: 'end', result: chatResult(answer, generated, turn) };
}

function chatResult(answer: DeliveredAnswer, generated: Generated, turn: ChatTurn): ChatResult {
  return {
    message: { role: 'assistant', content: answer.content },
    finishReason: answer.finishReason,
    refused: answer.refused,
    verdicts: answer.verdicts,
    usage: {
      promptTokens: generated.promptTokens,
      completionTokens: generated.completionTokens,
      totalTokens: generated.promptTokens + generated.completionTokens,
      moderation: turn.moderation,
      draft: generated.draft,
    },
    durationMs: performance.now() - turn.started,
  };
}
