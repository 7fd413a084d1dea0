/**
 * Llama Guard's answer for decoded codes, as the model writes it: `safe`, or `unsafe` and a line
 * of comma-separated codes (`unsafe\nS1,S9`). For `ScoreResult.raw`: display, never parsed back.
 */
export function answerText(codes: readonly string[]): string {
  return codes.length === 0 ? 'safe' : `unsafe\n${codes.join(',')}`;
}
