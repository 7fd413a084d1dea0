import { defineFlags } from '../../flags/flag-table.js';
import { guardFlags } from '../../flags/guard-flags.js';
import { helpFlag } from '../../flags/help-flag.js';
import { renderHelp } from '../../flags/render-help.js';
import { presetNames } from './dataset-spec.js';

/** The seed of `--sample` when `--seed` is not given. */
export const defaultSeed = 1;

/** In eval, --model and --policy repeat (each value is a side of the comparison): listed under Compare. */
const { model: _model, policy: _policy, ...otherGuardFlags } = guardFlags;

/** `vigil eval`'s flags: datasets, rows, output, comparison, then the policy, model and engine flags. */
export const evalFlags = defineFlags({
  preset: {
    type: 'string',
    choices: presetNames,
    value: 'NAME',
    section: 'datasets',
    help: "xstest, openai-moderation, toxicchat, aegis2 or beavertails (their own fields; how each one's categories map to S-codes: the guide docs/guide/eval.md, or presetCategoryCodes in @vigil/cli)",
  },
  'text-field': {
    type: 'string',
    value: 'NAME',
    defaultText: 'text',
    section: 'datasets',
    help: 'the text judged ({default}; with a "messages" field and no --text-field, the conversation is judged)',
  },
  'label-field': {
    type: 'string',
    value: 'NAME',
    defaultText: 'label',
    section: 'datasets',
    help: 'the label ({default}): safe/unsafe, 0/1, true/false',
  },
  'unsafe-value': {
    type: 'string',
    multiple: true,
    value: 'VALUE',
    section: 'datasets',
    help: 'label values that mean unsafe (repeatable); every other is safe',
  },
  'category-field': {
    type: 'string',
    value: 'NAME',
    section: 'datasets',
    help: 'category labels (codes like S9, Llama Guard names, or your own)',
  },
  'language-field': { type: 'string', value: 'NAME', section: 'datasets', help: 'a language slice' },
  'slice-field': {
    type: 'string',
    multiple: true,
    value: 'NAME',
    section: 'datasets',
    help: 'another slice (repeatable), e.g. source',
  },
  'id-field': { type: 'string', value: 'NAME', defaultText: 'id', section: 'datasets', help: 'the row id' },
  role: {
    type: 'string',
    choices: ['user', 'assistant'],
    value: 'user|assistant',
    section: 'datasets',
    help: 'judge the prompt (default) or the answer: with assistant the conversation is --text-field then --response-field (default response)',
  },
  'response-field': {
    type: 'string',
    value: 'NAME',
    section: 'datasets',
    help: 'the answer judged under --role assistant',
  },
  limit: {
    type: 'string',
    integer: { min: 1 },
    value: 'N',
    section: 'rows',
    help: 'only the first N labelled rows (after --sample)',
  },
  sample: {
    type: 'string',
    integer: { min: 1 },
    value: 'N',
    section: 'rows',
    help: `N rows chosen at random (reproducible with --seed; default seed ${defaultSeed})`,
  },
  seed: {
    type: 'string',
    integer: { min: 0, max: 2 ** 32 - 1 },
    value: 'S',
    section: 'rows',
    help: 'the seed of --sample',
  },
  format: {
    type: 'string',
    choices: ['table', 'json', 'html'],
    value: 'FORMAT',
    section: 'output',
    help: 'table (default on a terminal), json (default otherwise) or html (default: from the --output extension)',
  },
  output: {
    type: 'string',
    value: 'FILE',
    section: 'output',
    help: 'write the report to FILE instead of stdout',
  },
  'per-row': {
    type: 'string',
    value: 'FILE',
    section: 'output',
    help: "write every row's outcome as JSON Lines (they reproduce the summary)",
  },
  resume: {
    type: 'boolean',
    section: 'output',
    help: 'continue a run from its --per-row FILE: rows in it are not classified again',
  },
  'show-text': {
    type: 'boolean',
    section: 'output',
    help: 'include the judged text of false positives and negatives in the report and the per-row file (moderated text is sensitive)',
  },
  'target-fpr': {
    type: 'string',
    value: 'RATE',
    section: 'output',
    help: 'also report the threshold meeting this false-positive rate',
  },
  'write-policy': {
    type: 'string',
    value: 'FILE',
    section: 'output',
    help: 'write a policy file with thresholds tuned for the best F1 (or for --target-fpr), one per category where it helps, figures as comments',
  },
  'no-progress': { type: 'boolean', section: 'output', help: 'no progress display on stderr' },
  help: helpFlag('output'),
  model: {
    type: 'string',
    multiple: true,
    value: 'A --model B',
    section: 'compare',
    help: 'several models (e.g. Q4_K_M against Q8_0)',
  },
  policy: {
    type: 'string',
    multiple: true,
    value: 'A --policy B',
    section: 'compare',
    help: 'several policy files (e.g. excluding S6 or not; a policy file with an engine block compares a local model against a remote server)',
  },
  compare: { type: 'boolean', section: 'compare', help: 'require two or more sides' },
  ...otherGuardFlags,
});

/** `vigil eval --help`, generated from {@link evalFlags} (the policy, model and engine flags are on `classify --help`). */
export const evalHelp = renderHelp({
  usage: 'Usage: vigil eval DATASET... [options]',
  intro: `Runs labelled datasets through the guard and reports how it did: confusion matrix, precision,
recall, F1, false-positive rate and accuracy at the policy's thresholds; ROC AUC, PR AUC
(average precision), the best-F1 threshold and the threshold meeting --target-fpr; the same per
slice; recall per dataset category; latency. Every bad row is counted and listed, never dropped,
and the run goes on: unlabelled (no label), invalid (malformed, no text, a label value not
recognised) or failed (the guard could not judge it). Only a file of another kind stops the run.`,
  table: evalFlags,
  sections: [
    { id: 'datasets', title: 'Datasets (JSONL, JSON array or CSV with a header; .gz is unpacked):' },
    { id: 'rows', title: 'Rows:' },
    { id: 'output', title: 'Output:' },
    { id: 'compare', title: 'Compare (the same rows, one table side by side):' },
  ],
  elsewhere: ['policy', 'engine'],
  outro: `The policy, model and engine flags are those of vigil classify (vigil classify --help).

Exit codes: 0 the run completed, 2 usage or input error (or a failure that stopped the run),
130 interrupted (Ctrl-C: the partial report is written).

Examples:
  vigil eval xstest_prompts.csv --preset xstest
  vigil eval samples-1680.jsonl.gz --preset openai-moderation --format html --output report.html
  vigil eval data.jsonl --label-field is_toxic --slice-field source --per-row rows.jsonl
  vigil eval xstest_prompts.csv --preset xstest --model Q4_K_M.gguf --model Q8_0.gguf
  vigil eval dev.jsonl --target-fpr 0.05 --write-policy tuned.yaml`,
});
