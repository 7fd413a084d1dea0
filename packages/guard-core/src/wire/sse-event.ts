/**
 * Formats an SSE event: `event:` line if given, one `data:` line, blank line. The middleware's
 * stream endings and the generator's chunks are written with it.
 * @example
 * sseEvent('[DONE]'); // 'data: [DONE]\n\n'
 */
export function sseEvent(data: string, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}
