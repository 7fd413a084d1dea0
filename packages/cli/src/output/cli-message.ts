/** Library advice (API option names) and the CLI flags that do the same, for messages shown by the CLI. */
const advice: [RegExp, string][] = [
  [/\braise contextSize\b/g, 'raise --context-size (policy key contextSize)'],
  [/\braise maxContextSize\b/g, 'raise policy key maxContextSize'],
  [/\buse longConversation: 'truncate'/g, 'use --long-conversation truncate (policy key longConversation)'],
  [/\bor verifyModel: false\b/g, 'or --no-verify-model (policy key verifyModel: false)'],
  [/\b(?:retry later or )?raise maxQueue(?: or maxInFlight)?\b/g, 'lower --concurrency'],
];

/**
 * A library message as the CLI shows it: advice naming API options is reworded with the flags
 * that exist on the command line, and a leading `classify: ` (the API call's name, which the CLI's
 * own `vigil COMMAND:` prefix would double) is dropped.
 * @example
 * cliMessage('classify: too long; raise contextSize or send fewer turns');
 * // 'too long; raise --context-size (policy key contextSize) or send fewer turns'
 */
export function cliMessage(message: string) {
  let text = message.replace(/^classify: /, '');
  for (const [pattern, replacement] of advice) text = text.replace(pattern, replacement);
  return text;
}
