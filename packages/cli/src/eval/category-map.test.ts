import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetCategoryCodes } from './category-map.js';
import { evalHelp } from './eval-help.js';

const readme = readFileSync(path.resolve(import.meta.dirname, '../../../../README.md'), 'utf8');

describe('the category-to-code table eval --help points to', () => {
  it('is in the README, row for row the table the code uses', () => {
    const rows = readme
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

  it('is where the help says: the README section on vigil eval', () => {
    expect(evalHelp).toContain('README');
    expect(evalHelp).toContain('section "vigil eval"');
    expect(readme).toMatch(/^## .*`vigil eval`$/m);
    expect(readme).not.toMatch(/CLI \(classify, audit, models\)|command \(classify, audit, models\)/);
  });
});
