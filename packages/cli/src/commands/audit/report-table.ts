import type { AuditProblem, AuditResult } from './audit-types.js';
import {
  formatProbability,
  printable,
  type Reporter,
  type ReporterOptions,
  sortedCategories,
} from './reporter.js';

/** Flagged turns listed in the table; the rest are counted. */
const maxListed = 1000;

const ansi = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const plain = (text: string) => text;

function plural(count: number, word: string) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * A summary for people, like a linter's: the flagged turns with file:line, id, categories and an
 * excerpt, then counts per category and totals.
 * @example
 * const reporter = createTableReporter({ sink: process.stdout, color: process.stdout.isTTY });
 */
export function createTableReporter(options: ReporterOptions): Reporter {
  const name = options.categoryName ?? ((code: string) => code);
  const red = options.color ? ansi(31) : plain;
  const dim = options.color ? ansi(2) : plain;
  const bold = options.color ? ansi(1) : plain;
  const flagged: AuditResult[] = [];
  const problems: AuditProblem[] = [];
  let unlisted = 0;
  let problemsUnlisted = 0;
  return {
    problem(problem) {
      if (problems.length < maxListed) problems.push(problem);
      else problemsUnlisted++;
    },
    result(result) {
      if (result.safe) return;
      if (flagged.length < maxListed) flagged.push(result);
      else unlisted++;
    },
    finish(summary) {
      const lines: string[] = [];
      const byFile = new Map<string, AuditResult[]>();
      for (const result of flagged) {
        const group = byFile.get(result.file);
        if (group) group.push(result);
        else byFile.set(result.file, [result]);
      }
      for (const [file, results] of byFile) {
        lines.push(bold(printable(file)));
        for (const result of results.sort((a, b) => a.line - b.line || a.turn - b.turn)) {
          const where = `${result.line}`.padStart(6);
          const id = result.id === null ? '' : ` ${dim(`id ${printable(result.id)}`)}`;
          const codes = result.categories.join(',') || 'unsafe';
          const excerpt = result.excerpt ? `  ${dim(printable(JSON.stringify(result.excerpt)))}` : '';
          lines.push(
            `${where}  ${red(codes.padEnd(7))} ${formatProbability(result.unsafeProbability)}  turn ${result.turn} ${result.role}${id}${excerpt}`,
          );
        }
        lines.push('');
      }
      if (unlisted > 0)
        lines.push(dim(`... and ${unlisted} more flagged turns (use --format json for all)`), '');
      if (problems.length > 0) {
        lines.push(bold('Not checked:'));
        for (const problem of problems) {
          const turn = problem.turn === null ? '' : ` turn ${problem.turn}`;
          const id = problem.id === null ? '' : ` id ${printable(problem.id)}`;
          lines.push(
            `  ${printable(problem.file)}:${problem.line}${turn}${id}  ${red('error')}  ${printable(problem.reason)}`,
          );
        }
        if (problemsUnlisted > 0)
          lines.push(dim(`  ... and ${problemsUnlisted} more errors (use --format json for all)`));
        lines.push('');
      }
      const categories = sortedCategories(summary);
      if (categories.length > 0) {
        const width = Math.max(...categories.map(([code]) => `${code} ${name(code)}`.length));
        for (const [code, count] of categories) {
          lines.push(`  ${`${code} ${name(code)}`.padEnd(width)}  ${String(count).padStart(5)}`);
        }
        lines.push('');
      }
      const totals = [
        plural(summary.files, 'file'),
        plural(summary.conversations, 'conversation'),
        `${plural(summary.turnsChecked, 'turn')} checked`,
        summary.flagged > 0 ? red(bold(`${summary.flagged} flagged`)) : '0 flagged',
        plural(summary.errors, 'error'),
      ];
      lines.push(
        `${summary.interrupted ? `${bold('Interrupted')}: partial report. ` : ''}${totals.join(', ')}`,
      );
      options.sink.write(`${lines.join('\n')}\n`);
    },
  };
}
