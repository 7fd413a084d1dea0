import type { Verdict } from '@vigil/guard-core';
import type { CommandContext } from '../../context/cli-context.js';
import { UsageError } from '../../context/usage-error.js';
import { parseFlags } from '../../flags/flag-table.js';
import { guardOptionsFromFlags } from '../../flags/guard-flags.js';
import { openGuard } from '../../flags/open-guard.js';
import { classifyFlags, classifyHelp } from './classify-flags.js';

async function readAll(input: AsyncIterable<string | Buffer>) {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The verdict for people: `unsafe  S9 Indiscriminate Weapons  P(unsafe) 0.97`. */
export function describeVerdict(verdict: Verdict) {
  const probability =
    verdict.unsafeProbability === null ? '' : `  P(unsafe) ${verdict.unsafeProbability.toFixed(2)}`;
  const ignored =
    verdict.ignoredCategories.length > 0
      ? `  (${verdict.ignoredCategories.join(',')} excluded by the policy)`
      : '';
  if (verdict.safe) return `safe${probability}${ignored}`;
  const categories = verdict.categories.map((category) => `${category.code} ${category.name}`).join(', ');
  return `unsafe  ${categories || '(no category named)'}${probability}`;
}

/** The verdict as `--json` prints it: `durationMs` rounded to a tenth of a millisecond. */
function verdictJson(verdict: Verdict) {
  return JSON.stringify({ ...verdict, durationMs: Math.round(verdict.durationMs * 10) / 10 }, null, 2);
}

/**
 * `vigil classify [TEXT|-]`: classifies one message (TEXT, or stdin for `-` or no TEXT when stdin
 * is not a terminal) and prints the verdict.
 * @returns the exit code: 0 safe, 1 unsafe.
 */
export async function classifyCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil classify', args, classifyFlags);
  if (values.help) {
    context.stdout.write(classifyHelp);
    return 0;
  }
  const { role } = values;
  if (positionals.length > 1) {
    throw new UsageError(
      `vigil classify: expected one TEXT argument, received ${positionals.length} (quote the text: vigil classify "how do I ...")`,
    );
  }
  const options = await guardOptionsFromFlags(values, context.env);
  let text = positionals[0];
  if (text === undefined || text === '-') {
    if (text === undefined && context.stdin.isTTY) {
      throw new UsageError('expected TEXT, - or text piped to stdin, received neither');
    }
    text = (await readAll(context.stdin)).replace(/\r?\n$/, '');
  }
  if (text.trim() === '') throw new UsageError('expected some text to classify, received empty text');
  const guard = await openGuard(context, options, { verbose: values.verbose });
  try {
    const verdict = await guard.classify(text, { role });
    context.stdout.write(values.json ? `${verdictJson(verdict)}\n` : `${describeVerdict(verdict)}\n`);
    return verdict.safe ? 0 : 1;
  } finally {
    await guard.dispose();
  }
}
