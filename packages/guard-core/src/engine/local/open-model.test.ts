import type { Llama, LlamaModel } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { VigilModelError } from '../../errors.js';
import { openModel } from './open-model.js';

/** A CPU runtime whose `loadModel` records its options; with `failMapped`, mapping fails. */
function fakeLlama(options: { supportsMmap?: boolean; failMapped?: boolean } = {}) {
  const loads: { useMmap: unknown }[] = [];
  const model = {
    createContext: async () => ({}),
    dispose: async () => {},
  } as unknown as LlamaModel;
  const llama = {
    gpu: false,
    supportsMmap: options.supportsMmap ?? true,
    loadModel: async (load: { useMmap: unknown }) => {
      loads.push({ useMmap: load.useMmap });
      if (options.failMapped && load.useMmap === true) throw new Error('mmap failed: No such device');
      return model;
    },
  } as unknown as Llama;
  return { llama, loads };
}

const input = (llama: Llama, mmap?: boolean | 'auto') => ({
  llama,
  modelPath: '/models/guard.gguf',
  label: "model './guard.gguf'",
  mmap,
  context: { sequences: 1, contextSize: 256, threads: 1 },
});

describe('openModel', () => {
  it('maps the file by default on the CPU, and reads it when told to', async () => {
    const byDefault = fakeLlama();
    await openModel(input(byDefault.llama));
    expect(byDefault.loads).toEqual([{ useMmap: true }]);
    const read = fakeLlama();
    await openModel(input(read.llama, false));
    expect(read.loads).toEqual([{ useMmap: false }]);
  });

  it("reads the file under 'auto' where mmap is unsupported or mapping fails", async () => {
    const unsupported = fakeLlama({ supportsMmap: false });
    await openModel(input(unsupported.llama, 'auto'));
    expect(unsupported.loads).toEqual([{ useMmap: false }]);
    const failing = fakeLlama({ failMapped: true });
    await openModel(input(failing.llama, 'auto'));
    expect(failing.loads).toEqual([{ useMmap: true }, { useMmap: false }]);
  });

  it('fails with VigilModelError when mmap is forced and mapping fails', async () => {
    const failing = fakeLlama({ failMapped: true });
    const error = await openModel(input(failing.llama, true)).catch((caught) => caught);
    expect(VigilModelError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      "model './guard.gguf': cannot load '/models/guard.gguf': mmap failed: No such device",
    );
    expect(failing.loads).toEqual([{ useMmap: true }]);
  });
});
