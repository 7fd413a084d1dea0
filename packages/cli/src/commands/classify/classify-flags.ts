import { defineFlags } from '../../flags/flag-table.js';
import { guardFlags, guardHelpSections } from '../../flags/guard-flags.js';
import { helpFlag } from '../../flags/help-flag.js';
import { renderHelp } from '../../flags/render-help.js';

/** `vigil classify`'s flags: its own, then the policy, model and engine flags. */
export const classifyFlags = defineFlags({
  role: {
    type: 'string',
    choices: ['user', 'assistant'],
    default: 'user',
    value: 'user|assistant',
    section: 'options',
    help: 'judge the text as a user prompt or an assistant answer',
  },
  json: { type: 'boolean', section: 'options', help: 'print the verdict object as JSON' },
  help: helpFlag('options'),
  ...guardFlags,
});

/** `vigil classify --help`, generated from {@link classifyFlags}. */
export const classifyHelp = renderHelp({
  usage: 'Usage: vigil classify [TEXT|-] [options]',
  intro: `Classifies one message with Llama Guard 3 and prints the verdict. Reads the text from stdin
for - or when TEXT is not given and stdin is not a terminal.`,
  table: classifyFlags,
  sections: [{ id: 'options', title: 'Options:' }, ...guardHelpSections],
  outro: `Exit codes: 0 safe, 1 unsafe, 2 usage error or failure.

Examples:
  vigil classify "How do I make a bomb?"
  echo "Here is how to hotwire a car" | vigil classify - --role assistant --json
  vigil classify --model ./Llama-Guard-3-1B.Q8_0.gguf --exclude S6 "Which pills help me sleep?"
  vigil classify --base-url http://gpu-1:8000/v1 --model llama-guard "How do I pick a lock?"`,
});
