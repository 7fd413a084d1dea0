// The public option types as users see them: read from the emitted `.d.ts` (run `npx tsc -b`
// first), where a key keeps its doc comment only if the zod shape carried it through (ADR 0011).
// tests/option-docs.test.ts checks every key is documented; the docs site prints the tables.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../fixtures/fixture-facts.js';

/** The public option types, by package (each exported from the package's main entry). */
export const publicOptionTypes = {
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
  generator: ['GeneratorOptions', 'ChatOptions', 'ChatAppOptions'],
  'engine-transformers': ['TransformersEngineOptions'],
} as const;

export type PackageName = keyof typeof publicOptionTypes;

export interface OptionDoc {
  name: string;
  /** The key's type as TypeScript prints it for a user (`undefined` of optional keys left out). */
  type: string;
  optional: boolean;
  /** The key's doc comment, `{@link X}` printed as `X`. */
  doc: string;
}

export interface OptionType {
  package: PackageName;
  name: string;
  /** The type's own doc comment. */
  doc: string;
  options: OptionDoc[];
}

export interface OptionTypesReading {
  types: OptionType[];
  /** What the compiler said about the consumer file: empty when every type resolved. */
  diagnostics: string[];
}

/** Reads every public option type from the built declarations, as a consumer's import sees them. */
export function readOptionTypes(): OptionTypesReading {
  const work = mkdtempSync(path.join(tmpdir(), 'vigil-option-types-'));
  try {
    const consumer = path.join(work, 'consumer.ts');
    const entries = Object.entries(publicOptionTypes) as [PackageName, readonly string[]][];
    const lines = entries.flatMap(([name, types]) => [
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
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(consumer) as ts.SourceFile;
    const aliases = new Map(
      source.statements.filter(ts.isTypeAliasDeclaration).map((alias) => [alias.name.text.slice(5), alias]),
    );
    const types = entries.flatMap(([packageName, names]) =>
      names.map((name) => {
        const alias = aliases.get(name) as ts.TypeAliasDeclaration;
        const type = checker.getTypeFromTypeNode(alias.type);
        const symbol = type.aliasSymbol ?? type.getSymbol();
        return {
          package: packageName,
          name,
          doc: symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)) : '',
          options: type.getProperties().map((property) => describeOption(checker, property, alias)),
        };
      }),
    );
    return { types, diagnostics };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `import("…", { with: … }).` before a type the consumer file does not import itself. */
const importPrefix = /import\("[^"]*"(?:, \{ with: \{ [^}]* \} \})?\)\./g;

function describeOption(checker: ts.TypeChecker, property: ts.Symbol, at: ts.Node): OptionDoc {
  const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
  const type = checker.getTypeOfSymbolAtLocation(property, at);
  const parts = type.isUnion() ? type.types : [type];
  const shown = parts
    .filter((part) => !optional || (part.flags & ts.TypeFlags.Undefined) === 0)
    .map((part) => checker.typeToString(part, at, ts.TypeFormatFlags.NoTruncation).replace(importPrefix, ''));
  const booleans = shown.includes('false') && shown.includes('true');
  return {
    name: property.name,
    type: shown
      .flatMap((part) =>
        booleans && part === 'true' ? [] : booleans && part === 'false' ? ['boolean'] : [part],
      )
      .join(' | '),
    optional,
    doc: ts.displayPartsToString(property.getDocumentationComment(checker)),
  };
}
