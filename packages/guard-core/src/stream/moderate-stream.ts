import {
  createStreamModerator,
  type StreamModeratorOptions,
  type StreamSummary,
} from './stream-moderator.js';

/** What {@link moderateStream} yields: released text, then one summary. */
export type ModeratedPiece = { type: 'text'; text: string } | { type: 'end'; summary: StreamSummary };

const cutMarker = Symbol('cut');

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
  const moderator = createStreamModerator(options);
  const iterator = pieces[Symbol.asyncIterator]();
  const cut = moderator.cut.then((): typeof cutMarker => cutMarker);
  let exhausted = false;
  try {
    while (!moderator.blocked) {
      const next = iterator.next();
      next.catch(() => {});
      const result = await Promise.race([next, cut]);
      if (result === cutMarker) break;
      if (result.done) {
        exhausted = true;
        break;
      }
      const step = await moderator.push(result.value);
      if (step.release) yield { type: 'text', text: step.release };
    }
    const summary = await moderator.end();
    if (summary.release) yield { type: 'text', text: summary.release };
    yield { type: 'end', summary };
  } finally {
    if (!exhausted) iterator.return?.()?.catch(() => {});
  }
}
