// Options are written once, as zod shapes with a doc comment on each key (ADR 0011). What users
// see is the emitted `.d.ts`, where TypeScript drops comments it cannot carry: this reads every
// public option type from the built declarations and checks each key still has its comment.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';

const optionTypes = {
  'guard-core': [
    'GuardOptions',
    'LocalEngineOptions',
    'RemoteEngineOptions',
    'RemoteEngineConfig',
    'ClassifyOptions',
    'PolicyOptions',
    'StreamModeratorOptions',
    'StreamCheckEvery',
  ],
  generator: ['GeneratorOptions', 'ChatOptions'],
  'engine-transformers': ['TransformersEngineOptions'],
} as const;

let work: string;
let checker: ts.TypeChecker;
let aliases: Map<string, ts.TypeAliasDeclaration>;

beforeAll(() => {
  execFileSync('npx', ['tsc', '-b'], { cwd: REPO_ROOT, stdio: 'ignore' });
  work = mkdtempSync(path.join(tmpdir(), 'vigil-option-docs-'));
  const consumer = path.join(work, 'consumer.ts');
  const lines = Object.entries(optionTypes).flatMap(([name, types]) => [
    `import type { ${types.join(', ')} } from '${path.join(REPO_ROOT, 'packages', name, 'dist/index.js')}';`,
    ...types.map((type) => `export type Check${type} = ${type};`),
  ]);
  writeFileSync(consumer, lines.join('\n'));
  const program = ts.createProgram([consumer], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  expect(
    ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  ).toEqual([]);
  checker = program.getTypeChecker();
  const source = program.getSourceFile(consumer) as ts.SourceFile;
  aliases = new Map(
    source.statements.filter(ts.isTypeAliasDeclaration).map((alias) => [alias.name.text.slice(5), alias]),
  );
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('option types in the emitted .d.ts', () => {
  it.each(Object.values(optionTypes).flat())(
    '%s: every key has its doc comment, with its default',
    (name) => {
      const alias = aliases.get(name) as ts.TypeAliasDeclaration;
      const properties = checker.getTypeFromTypeNode(alias.type).getProperties();
      expect(properties.length).toBeGreaterThan(1);
      const undocumented = properties
        .map((property) => ({
          name: property.name,
          doc: ts.displayPartsToString(property.getDocumentationComment(checker)),
        }))
        .filter(({ doc }) => !/Defaults to|Required|Selects/.test(doc))
        .map((property) => property.name);
      expect(undocumented).toEqual([]);
    },
  );
});
