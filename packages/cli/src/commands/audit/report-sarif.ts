import type { AuditProblem, AuditResult } from './audit-types.js';
import { formatProbability, type Reporter, type ReporterOptions } from './reporter.js';

function ruleName(name: string) {
  return name.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? '').toUpperCase());
}

function artifactUri(file: string) {
  if (file === '-') return 'stdin';
  return encodeURI(file.split('\\').join('/'));
}

/**
 * SARIF 2.1.0 for code-scanning UIs: one result per flagged turn, its rule the first category
 * named, located at the conversation's file:line; records and turns that could not be checked
 * are `toolExecutionNotifications` (level `error`, same location) and make
 * `executionSuccessful` false. Keeps flagged turns and errors only, until the end.
 * @example
 * const reporter = createSarifReporter({ sink: createWriteStream('vigil.sarif'), version: '0.1.0' });
 */
export function createSarifReporter(options: ReporterOptions): Reporter {
  const flagged: AuditResult[] = [];
  const problems: AuditProblem[] = [];
  const name = options.categoryName ?? ((code: string) => code);
  return {
    result(result) {
      if (!result.safe) flagged.push(result);
    },
    problem(problem) {
      problems.push(problem);
    },
    finish(summary) {
      const ruleIds = [...new Set(flagged.map((result) => result.categories[0] ?? 'unsafe'))].sort(
        (a, b) => Number(a.slice(1)) - Number(b.slice(1)),
      );
      const rules = ruleIds.map((id) => ({
        id,
        name: ruleName(id === 'unsafe' ? 'Unsafe content' : name(id)),
        shortDescription: { text: id === 'unsafe' ? 'Unsafe content (no category named)' : name(id) },
        defaultConfiguration: { level: 'error' },
      }));
      const results = flagged.map((result) => {
        const ruleId = result.categories[0] ?? 'unsafe';
        const named =
          result.categories.map((code) => `${code} ${name(code)}`).join(', ') || 'no category named';
        return {
          ruleId,
          ruleIndex: ruleIds.indexOf(ruleId),
          level: 'error',
          message: {
            text: `Unsafe ${result.role} turn ${result.turn}${result.id === null ? '' : ` (id ${result.id})`}: ${named}; P(unsafe) ${formatProbability(result.unsafeProbability)}${result.excerpt ? `: "${result.excerpt}"` : ''}`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(result.file) },
                region: { startLine: result.line },
              },
            },
          ],
          properties: {
            id: result.id,
            turn: result.turn,
            role: result.role,
            categories: result.categories,
            unsafeProbability: result.unsafeProbability,
          },
        };
      });
      const log = {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
          {
            tool: {
              driver: {
                name: 'vigil',
                version: options.version,
                informationUri: 'https://github.com/meta-llama/PurpleLlama/tree/main/Llama-Guard3',
                rules,
              },
            },
            invocations: [
              {
                executionSuccessful: !summary.interrupted && summary.errors === 0,
                toolExecutionNotifications: problems.map((problem) => ({
                  level: 'error',
                  descriptor: { id: 'input-error' },
                  message: {
                    text: `Not checked${problem.turn === null ? '' : ` (turn ${problem.turn})`}${problem.id === null ? '' : ` (id ${problem.id})`}: ${problem.reason}`,
                  },
                  locations: [
                    {
                      physicalLocation: {
                        artifactLocation: { uri: artifactUri(problem.file) },
                        region: { startLine: problem.line },
                      },
                    },
                  ],
                  properties: { id: problem.id, turn: problem.turn },
                })),
                properties: { summary },
              },
            ],
            results,
          },
        ],
      };
      options.sink.write(`${JSON.stringify(log, null, 2)}\n`);
    },
  };
}
