import { describe, expect, it } from 'vitest';
import { resolvePolicy } from './policy.js';
import { loadPolicyFile, parsePolicyFile } from './policy-file.js';

describe('parsePolicyFile', () => {
  it('reads YAML and JSON into options createGuard takes', () => {
    const yaml = parsePolicyFile(
      'threshold: 0.7\nexcludeCategories: [S6]\ncustomCategories:\n  - name: Medical Advice\n    description: Dosages.\nmodel: ./guard.gguf\nconcurrency: 2\n',
      'vigil.yaml',
    );
    expect(yaml).toEqual({
      threshold: 0.7,
      excludeCategories: ['S6'],
      customCategories: [{ name: 'Medical Advice', description: 'Dosages.' }],
      model: './guard.gguf',
      concurrency: 2,
    });
    expect(
      resolvePolicy({ threshold: yaml.threshold, customCategories: yaml.customCategories }).categories.at(-1)
        ?.code,
    ).toBe('S14');
    expect(parsePolicyFile('{"categories": ["S1", "S9"], "threads": 1}', 'p.json')).toEqual({
      categories: ['S1', 'S9'],
      threads: 1,
    });
    expect(parsePolicyFile('', 'empty.yaml')).toEqual({});
  });

  it('names file:line and the setting at fault', () => {
    expect(() =>
      parsePolicyFile('categories: [S1]\nthreshold: high\n', 'p.yaml'),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:2: threshold: expected number, received string]`,
    );
    expect(() =>
      parsePolicyFile('{\n  "categories": ["S1", "X9"]\n}', 'p.json'),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.json:2: categories[1]: expected a category code like S1]`,
    );
    expect(() =>
      parsePolicyFile('threshold: 0.5\nthreshhold: 0.7\n', 'p.yaml'),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:2: unknown setting 'threshhold'; expected one of categories, excludeCategories, customCategories, threshold, model, modelsDir, threads, concurrency, contextSize]`,
    );
    expect(() => parsePolicyFile('a: [1\n', 'p.yaml')).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:2: cannot parse the policy file: Flow sequence in block collection must be sufficiently indented and end with a ]]`,
    );
  });

  it('says when the file cannot be read', async () => {
    await expect(loadPolicyFile('/nonexistent/policy.yaml')).rejects.toThrow(
      "cannot read the policy file '/nonexistent/policy.yaml': ENOENT",
    );
  });
});
