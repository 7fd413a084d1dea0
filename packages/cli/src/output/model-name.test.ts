import { describe, expect, it } from 'vitest';
import { modelName } from './model-name.js';

describe('modelName', () => {
  it('is the GGUF base name without .gguf: never a directory or a byte count', () => {
    expect(modelName('/home/me/models/toyguard.gguf:65782528')).toBe('toyguard');
    expect(modelName('/m/.node-llama-cpp/models/Llama-Guard-3-1B.Q4_K_M.gguf:955000000')).toBe(
      'Llama-Guard-3-1B.Q4_K_M',
    );
    expect(modelName('./Guard.GGUF:12')).toBe('Guard');
  });

  it("is the served model's name for a remote engine, and any other id as it is", () => {
    expect(modelName('remote:llama-guard@http://gpu-1:8000/v1,http://gpu-2:8000/v1')).toBe('llama-guard');
    expect(modelName('remote:meta/llama-guard-3-1b@https://api.example.com/v1')).toBe(
      'meta/llama-guard-3-1b',
    );
    expect(modelName('scripted')).toBe('scripted');
  });
});
