import { describe, expect, it } from 'vitest';
import { DecoderSession, type OrtSession, type OrtTensor } from './decoder-session.js';

const vocabularySize = 8;
const tensor = (type: string, data: ArrayLike<unknown>, dims: number[]): OrtTensor => ({ type, data, dims });

interface Call {
  inputIds: number[];
  positions: number[];
  maskLength: number;
  pastLength: number;
  fetches: readonly string[];
}

/** A decoder graph of one layer that records each run; logits of a row are its token id, one-hot. */
function fakeSession(keepsLogits: boolean) {
  const calls: Call[] = [];
  const session: OrtSession = {
    inputNames: [
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      ...(keepsLogits ? ['num_logits_to_keep'] : []),
    ],
    outputNames: ['logits', 'present.0.key', 'present.0.value'],
    async run(feeds, fetches = []) {
      const ids = Array.from(feeds.input_ids?.data as BigInt64Array, Number);
      const pastLength = feeds['past_key_values.0.key']?.dims[2] ?? -1;
      calls.push({
        inputIds: ids,
        positions: Array.from(feeds.position_ids?.data as BigInt64Array, Number),
        maskLength: (feeds.attention_mask as OrtTensor).dims[1] ?? -1,
        pastLength,
        fetches,
      });
      const total = pastLength + ids.length;
      const present = tensor('float32', new Float32Array(total), [1, 1, total, 1]);
      const outputs: Record<string, OrtTensor> = { 'present.0.key': present, 'present.0.value': present };
      if (fetches.includes('logits')) {
        const keep = feeds.num_logits_to_keep as OrtTensor | undefined;
        const rows = keep ? ids.slice(-Number((keep.data as BigInt64Array)[0])) : ids;
        const data = new Float32Array(rows.length * vocabularySize);
        rows.forEach((id, row) => {
          data[row * vocabularySize + id] = 1;
        });
        outputs.logits = tensor('float32', data, [1, rows.length, vocabularySize]);
      }
      return outputs;
    },
  };
  return { session, calls };
}

describe('DecoderSession', () => {
  it('with num_logits_to_keep: one run, logits of the last position only', async () => {
    const { session, calls } = fakeSession(true);
    const decoder = new DecoderSession(session, tensor, { kvHeads: 1, headDim: 1, vocabularySize });
    expect(decoder.keepsLogits).toBe(true);
    const prefix = await decoder.forward([1, 2, 3], decoder.empty, false);
    expect(calls[0]?.fetches).toEqual(['present.0.key', 'present.0.value']);
    const { state, logits } = await decoder.forward([4, 5], prefix.state, true);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ inputIds: [4, 5], positions: [3, 4], maskLength: 5, pastLength: 3 });
    expect(Array.from(logits)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    expect(state.length).toBe(5);
  });

  it('without it: all tokens but the last fetch only the cache, the last one fetches the logits', async () => {
    const { session, calls } = fakeSession(false);
    const decoder = new DecoderSession(session, tensor, { kvHeads: 1, headDim: 1, vocabularySize });
    expect(decoder.keepsLogits).toBe(false);
    const { state, logits } = await decoder.forward([1, 2, 3, 6], decoder.empty, true);
    expect(calls.map(({ inputIds, fetches }) => ({ inputIds, logits: fetches.includes('logits') }))).toEqual([
      { inputIds: [1, 2, 3], logits: false },
      { inputIds: [6], logits: true },
    ]);
    expect(calls[1]).toMatchObject({ positions: [3], maskLength: 4, pastLength: 3 });
    expect(logits.indexOf(1)).toBe(6);
    expect(state.length).toBe(4);
  });

  it('runs a long input in chunks against the cache so far, fetching logits on the last run only', async () => {
    for (const keeps of [true, false]) {
      const { session, calls } = fakeSession(keeps);
      const decoder = new DecoderSession(session, tensor, { kvHeads: 1, headDim: 1, vocabularySize });
      const tokens = Array.from({ length: 600 }, (_, index) => index % vocabularySize);
      const { state } = await decoder.forward(tokens, decoder.empty, true);
      expect(
        calls.map(({ inputIds, pastLength, fetches }) => [
          inputIds.length,
          pastLength,
          fetches.includes('logits'),
        ]),
      ).toEqual(
        keeps
          ? [
              [256, 0, false],
              [256, 256, false],
              [88, 512, true],
            ]
          : [
              [256, 0, false],
              [256, 256, false],
              [87, 512, false],
              [1, 599, true],
            ],
      );
      expect(state.length).toBe(600);
    }
  });

  it('refuses a graph without a KV cache, naming what it has', () => {
    const session = { ...fakeSession(false).session, inputNames: ['input_ids', 'attention_mask'] };
    expect(() => new DecoderSession(session, tensor, { kvHeads: 1, headDim: 1, vocabularySize })).toThrow(
      /expected a decoder with a KV cache .* received inputs input_ids, attention_mask/,
    );
  });
});
