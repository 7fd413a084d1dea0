import type { AuditResult } from './audit-types.js';
import { formatProbability, type Reporter, type ReporterOptions, sortedCategories } from './reporter.js';

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
  let unlisted = 0;
  return {
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
        lines.push(bold(file));
        for (const result of results.sort((a, b) => a.line - b.line || a.turn - b.turn)) {
          const where = `${result.line}`.padStart(6);
          const id = result.id === null ? '' : ` ${dim(`id ${result.id}`)}`;
          const codes = result.categories.join(',') || 'unsafe';
          const excerpt = result.excerpt ? `  ${dim(JSON.stringify(result.excerpt))}` : '';
          lines.push(
            `${where}  ${red(codes.padEnd(7))} ${formatProbability(result.unsafeProbability)}  turn ${result.turn} ${result.role}${id}${excerpt}`,
          );
        }
        lines.push('');
      }
      if (unlisted > 0)
        lines.push(dim(`... and ${unlisted} more flagged turns (use --format json for all)`), '');
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
