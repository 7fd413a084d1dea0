import { defineFlags } from '../../flags/flag-table.js';
import { guardFlags, guardHelpSections } from '../../flags/guard-flags.js';
import { helpFlag } from '../../flags/help-flag.js';
import { renderHelp } from '../../flags/render-help.js';
import { inputFormats } from '../../transcripts/transcript-types.js';
import { reportFormats } from './create-reporter.js';

/** `vigil audit`'s flags: input, output, then the policy, model and engine flags. */
export const auditFlags = defineFlags({
  'input-format': {
    type: 'string',
    choices: inputFormats,
    value: 'FORMAT',
    section: 'input',
    help: 'auto (default, per file), jsonl, json, sharegpt or txt\njsonl: one conversation per line ({"messages": [...]}, a message array, or ShareGPT); json: an array of those; txt: one user message per line. An "id" field is kept.',
  },
  'every-turn': {
    type: 'boolean',
    section: 'input',
    help: 'check every user and assistant turn in the context before it (default: the last turn of each conversation)',
  },
  role: {
    type: 'string',
    choices: ['user', 'assistant'],
    value: 'user|assistant',
    section: 'input',
    help: 'check only turns of this role',
  },
  'follow-symlinks': {
    type: 'boolean',
    section: 'input',
    help: 'follow symbolic links met while walking a directory or matching a glob (default: not followed, each listed as an error; a path named on the command line is always read)',
  },
  format: {
    type: 'string',
    choices: reportFormats,
    value: 'FORMAT',
    section: 'output',
    help: 'table (default on a terminal), json (default otherwise), jsonl, csv, sarif or html (default: from the --output extension)',
  },
  output: {
    type: 'string',
    value: 'FILE',
    section: 'output',
    help: 'write the report to FILE instead of stdout',
  },
  'only-flagged': {
    type: 'boolean',
    section: 'output',
    help: 'list only flagged turns (the summary still counts all)',
  },
  resume: {
    type: 'boolean',
    section: 'output',
    help: 'continue from an earlier --format jsonl --output FILE: check that it is a vigil report, skip the turns and errors it holds (by real path) and append to it',
  },
  'no-fail': { type: 'boolean', section: 'output', help: 'exit 0 even when something is flagged' },
  'max-errors': {
    type: 'string',
    integer: { min: 0 },
    default: 0,
    value: 'N',
    section: 'output',
    help: 'tolerate up to N records or turns that could not be checked ({default}: any error exits 2)',
  },
  'no-progress': { type: 'boolean', section: 'output', help: 'no progress display on stderr' },
  help: helpFlag('output'),
  ...guardFlags,
});

/** `vigil audit --help`, generated from {@link auditFlags}. */
export const auditHelp = renderHelp({
  usage: 'Usage: vigil audit PATH... [options]',
  intro: `Checks the conversations in transcript files (files, directories, globs; - for stdin) and
reports the unsafe turns, like a linter.`,
  table: auditFlags,
  sections: [{ id: 'input', title: 'Input:' }, { id: 'output', title: 'Output:' }, ...guardHelpSections],
  outro: `Every report lists the results and the errors (records or turns that could not be checked:
malformed lines, unknown formats, empty conversations, conversations too long for the
context, turns with nothing Llama Guard can read, links not followed (line 0)) with file, line, conversation id, turn and reason, in input order; errors are also
printed on stderr and counted in summary.errors. line is the 1-based line where the
conversation starts; turn is the 0-based index of the judged message in its messages (system
and tool messages included). A safe turn with a high P(unsafe) names the categories the policy
excluded (ignoredCategories).

--output FILE is written to a temporary file renamed into place at the end (jsonl is written
as it goes, for --resume; a kill -9 can leave .FILE.*.vigil-tmp); an output that is one of the
inputs (by path, or the same file by device and inode: a hard link) is refused before anything
is written. CSV cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR first)
are written with a ' in front. SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the run and write the partial
report; a second one quits at once.

Exit codes:
  0    every planned check ran and nothing was flagged
  1    something was flagged (--no-fail: 0)
  2    usage error; input that could not be read or checked (more errors than --max-errors,
       which outranks 1: a report with gaps cannot vouch for what it missed); the engine
       failed; the report could not be written (ENOSPC, EIO)
  129, 130, 143
       stopped by SIGHUP, SIGINT or SIGTERM (128 + the signal number): partial report
  When the reader closes stdout early (| head), the run stops quietly with the code its
  reported results earned (0, 1 or 2).

Examples:
  vigil audit chats.jsonl
  vigil audit 'logs/**/*.jsonl' --every-turn --exclude S6 --format sarif --output vigil.sarif
  vigil audit logs/ --format jsonl --output results.jsonl --resume
  VIGIL_REMOTE_API_KEY=... vigil audit logs/ --engine remote --model llama-guard \\
    --base-url http://gpu-1:8000/v1,http://gpu-2:8000/v1 --concurrency 32
  cat prompts.txt | vigil audit - --input-format txt --format csv --only-flagged`,
});
