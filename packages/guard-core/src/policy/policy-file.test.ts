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
      `[VigilConfigError: p.yaml:2: unknown setting 'threshhold'; expected one of categories, excludeCategories, customCategories, threshold, thresholds, model, modelsDir, threads, concurrency, contextSize, gpu, gpuLayers, maxContextSize, longConversation, stateCacheBytes, verifyModel, engine]`,
    );
    expect(() => parsePolicyFile('a: [1\n', 'p.yaml')).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:2: cannot parse the policy file: Flow sequence in block collection must be sufficiently indented and end with a ]]`,
    );
  });

  it("reads an engine block into createGuard's engine option, the API key from the environment", () => {
    const text =
      'threshold: 0.7\nengine:\n  type: remote\n  baseURL: [http://gpu-1:8000/v1, http://gpu-2:8000/v1]\n  model: llama-guard\n  timeoutMs: 5000\n';
    expect(parsePolicyFile(text, 'vigil.yaml', { VIGIL_REMOTE_API_KEY: 'sk-1' })).toEqual({
      threshold: 0.7,
      engine: {
        type: 'remote',
        baseURL: ['http://gpu-1:8000/v1', 'http://gpu-2:8000/v1'],
        model: 'llama-guard',
        timeoutMs: 5000,
        apiKey: 'sk-1',
      },
    });
    const named = parsePolicyFile(
      '{"engine": {"type": "remote", "baseURL": "http://gpu:8000", "model": "m", "apiKeyEnv": "GUARD_KEY"}}',
      'p.json',
      { VIGIL_REMOTE_API_KEY: 'sk-1', GUARD_KEY: 'sk-2' },
    );
    expect(named.engine).toEqual({ type: 'remote', baseURL: 'http://gpu:8000', model: 'm', apiKey: 'sk-2' });
    expect(parsePolicyFile(text, 'vigil.yaml', {}).engine?.apiKey).toBeUndefined();
  });

  it('names file:line and the engine setting at fault; refuses an API key in the file', () => {
    const engine = (lines: string) => `threshold: 0.5\nengine:\n  type: remote\n${lines}`;
    expect(() =>
      parsePolicyFile(engine('  baseURL: [http://gpu:8000, gpu-2]\n  model: m\n'), 'p.yaml'),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:4: engine.baseURL[1]: expected an http(s) URL, received "gpu-2"]`,
    );
    expect(() => parsePolicyFile(engine('  model: m\n'), 'p.yaml')).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:3: engine.baseURL: expected an http(s) URL or a list of them, received undefined]`,
    );
    expect(() =>
      parsePolicyFile(engine('  baseURL: http://gpu:8000\n  model: m\n  apiKey: sk-1\n'), 'p.yaml'),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:6: engine.apiKey: the API key is never read from a file; set VIGIL_REMOTE_API_KEY (or name another variable with engine.apiKeyEnv)]`,
    );
    expect(() =>
      parsePolicyFile(engine('  baseURL: http://gpu:8000\n  model: m\n  timeout: 5\n'), 'p.yaml'),
    ).toThrowErrorMatchingInlineSnapshot(
      `[VigilConfigError: p.yaml:6: unknown setting 'engine.timeout'; expected one of baseURL, model, timeoutMs, maxRetries, maxInFlight, maxQueue, failureThreshold, cooldownMs, topLogprobs, promptFormat, chatTemplate, type, apiKeyEnv]`,
    );
    expect(() =>
      parsePolicyFile('engine:\n  baseURL: http://gpu:8000\n  model: m\n', 'p.yaml'),
    ).toThrowErrorMatchingInlineSnapshot(`[VigilConfigError: p.yaml:2: engine.type: expected "remote"]`);
  });

  it('says when the file cannot be read', async () => {
    await expect(loadPolicyFile('/nonexistent/policy.yaml')).rejects.toThrow(
      "cannot read the policy file '/nonexistent/policy.yaml': ENOENT",
    );
  });
});

describe('thresholds in a policy file', () => {
  it('reads per-category thresholds and names the line of a bad one', () => {
    expect(parsePolicyFile('thresholds:\n  default: 0.5\n  S6: 0.85\n', 'p.yaml').thresholds).toEqual({
      default: 0.5,
      S6: 0.85,
    });
    expect(() => parsePolicyFile('threshold: 0.5\nthresholds:\n  S6: 2\n', 'p.yaml')).toThrow(
      /^p\.yaml:3: thresholds\.S6: expected a number at most 1/,
    );
  });
});
