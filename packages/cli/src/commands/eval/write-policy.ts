import type { PolicyOptions } from '@vigil/guard-core';
import { figure } from './eval-report.js';
import type { EvalSummary } from './eval-types.js';
import type { TunedThresholds, TuneObjective } from './tune.js';

export interface TunedPolicyInput {
  /** The policy evaluated (categories, exclusions, custom categories are kept). */
  options: Pick<PolicyOptions, 'categories' | 'excludeCategories' | 'customCategories'>;
  tuned: TunedThresholds;
  objective: TuneObjective;
  /** The run it was tuned on. */
  summary: EvalSummary;
  datasets: readonly string[];
  version: string;
}

const quote = (text: string) => JSON.stringify(text);

/**
 * The text of a policy file with tuned thresholds (YAML), the measured figures as comments: it
 * loads with `loadPolicyFile` and `vigil audit --policy` like any other.
 */
export function tunedPolicyText(input: TunedPolicyInput): string {
  const { tuned, summary, options } = input;
  const rates = tuned.rates;
  const before = summary.overall;
  const goal =
    input.objective.kind === 'f1'
      ? 'the best F1'
      : `the most recall at a false-positive rate <= ${input.objective.target}`;
  const c = tuned.confusion;
  const lines = [
    `# Thresholds tuned by vigil eval ${input.version} for ${goal},`,
    `# on ${input.datasets.join(', ')} (${before.rows} rows, ${before.unsafe} labelled unsafe) with ${summary.label}.`,
    `# Measured with these thresholds: precision ${figure(rates.precision)}, recall ${figure(rates.recall)}, F1 ${figure(rates.f1)}, false-positive rate ${figure(rates.fpr)} (TP ${c.tp}, FP ${c.fp}, TN ${c.tn}, FN ${c.fn}).`,
    `# Before (threshold ${summary.threshold}): precision ${figure(before.precision)}, recall ${figure(before.recall)}, F1 ${figure(before.f1)}, false-positive rate ${figure(before.fpr)}.`,
    '# Figures on the data tuned on are optimistic: check them on rows held out (vigil eval other.jsonl --policy this file).',
    '# Rule: unsafe when a category the model names has P(unsafe) >= its threshold (threshold for the others),',
    '# or the model names none and P(unsafe) >= threshold.',
  ];
  if (options.categories) lines.push(`categories: [${options.categories.join(', ')}]`);
  if (options.excludeCategories?.length)
    lines.push(`excludeCategories: [${options.excludeCategories.join(', ')}]`);
  if (options.customCategories?.length) {
    lines.push('customCategories:');
    for (const custom of options.customCategories) {
      lines.push(`  - name: ${quote(custom.name)}`);
      if (custom.description) lines.push(`    description: ${quote(custom.description)}`);
    }
  }
  lines.push(`threshold: ${tuned.threshold}`);
  const own = Object.entries(tuned.thresholds);
  if (own.length > 0) {
    lines.push('thresholds:');
    for (const [code, threshold] of own) {
      lines.push(
        `  ${code}: ${threshold} # ${tuned.namedRows[code] ?? 0} rows where the model named ${code}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
