import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetCategoryCodes } from './category-map.js';
import { evalHelp } from './eval-flags.js';

const root = path.resolve(import.meta.dirname, '../../../../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const guide = readFileSync(path.join(root, 'docs/guide/eval.md'), 'utf8');

describe('the category-to-code table eval --help points to', () => {
  it('is in the eval guide, row for row the table the code uses', () => {
    const rows = guide
      .split('\n')
      .map((line) => /^\| ([\w-]+) \| (.+?) \| (.+?) \|$/.exec(line))
      .filter((match) => match !== null && match[1] !== undefined && match[1] in presetCategoryCodes)
      .map((match) => [match?.[1], match?.[2], match?.[3]]);
    const expected = Object.entries(presetCategoryCodes).flatMap(([preset, table]) =>
      Object.entries(table).map(([category, codes]) => [
        preset,
        category,
        codes.length > 0 ? codes.join(', ') : 'none',
      ]),
    );
    expect(rows).toEqual(expected);
  });

  it('is where the help says: the eval guide, which the README links', () => {
    expect(evalHelp).toContain('docs/guide/eval.md');
    expect(guide).toMatch(/^# Measuring and tuning$/m);
    expect(readme).toContain('(docs/guide/eval.md)');
    expect(readme).not.toMatch(/CLI \(classify, audit, models\)|command \(classify, audit, models\)/);
  });
});
