import type { StreamModeratorOptions, StreamSummary } from './stream-moderator.js';
import { createStreamSession } from './stream-session.js';

/** What {@link moderateStream} yields: released text, then one summary. */
export type ModeratedPiece = { type: 'text'; text: string } | { type: 'end'; summary: StreamSummary };

/**
 * Moderates an async stream of text pieces: yields the text it releases, then a summary with the
 * final verdict. Under `progressive` a cut stops reading `pieces` at once (even mid-wait) and
 * returns the source iterator.
 * @example
 * for await (const piece of moderateStream(tokens, { guard, conversation, strategy: 'progressive' })) {
 *   if (piece.type === 'text') process.stdout.write(piece.text);
 *   else if (piece.summary.blocked) console.log('\n[cut:', piece.summary.verdict?.categories, ']');
 * }
 */
export async function* moderateStream(
  pieces: AsyncIterable<string>,
  options: StreamModeratorOptions,
): AsyncGenerator<ModeratedPiece, void, undefined> {
  const session = createStreamSession(options);
  const moderator = session.open();
  yield* session.drive(pieces, {
    async piece(piece): Promise<ModeratedPiece | undefined> {
      const step = await moderator.push(piece);
      return step.release ? { type: 'text', text: step.release } : undefined;
    },
  });
  const summary = await session.end(moderator);
  if (summary.release) yield { type: 'text', text: summary.release };
  yield { type: 'end', summary };
}
