// Options are written once, as zod shapes with a doc comment on each key (ADR 0011). What users
// see is the emitted `.d.ts`, where TypeScript drops comments it cannot carry: this reads every
// public option type from the built declarations and checks each key still has its comment.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OptionType, publicOptionTypes, readOptionTypes } from '../scripts/docs/option-types.js';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';

let types: Map<string, OptionType>;

beforeAll(() => {
  execFileSync('npx', ['tsc', '-b'], { cwd: REPO_ROOT, stdio: 'ignore' });
  const reading = readOptionTypes();
  expect(reading.diagnostics).toEqual([]);
  types = new Map(reading.types.map((type) => [type.name, type]));
}, 300_000);

describe('option types in the emitted .d.ts', () => {
  it.each(Object.values(publicOptionTypes).flat())(
    '%s: every key has its doc comment, with its default',
    (name) => {
      const options = types.get(name)?.options ?? [];
      expect(options.length).toBeGreaterThan(1);
      const undocumented = options.filter(({ doc }) => !/Defaults to|Required|Selects/.test(doc));
      expect(undocumented.map((option) => option.name)).toEqual([]);
    },
  );
});
