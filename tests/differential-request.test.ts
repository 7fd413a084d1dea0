// Issue 24, request side: the text real upstream parsers read must be a subset of what Vigil
// judged. Generated requests (tests/support/differential/request-cases.ts) go through Vigil on
// Hono, and on Express 4 and 5 with their parsers mounted first, to an upstream that parses the
// forwarded bytes with Express 4 and 5 body-parser, Hono, Fastify 5 and Python (json, first-value
// forms and multipart). Every unsafe marker a parser hands an LLM must have been judged.
// The seed is printed; replay with VIGIL_FUZZ_SEED=<seed>. VIGIL_FUZZ_RUNS sets the cases per
// property (default 300); scripts/fuzz/request-differential.ts runs it longer.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_SHAPES,
  type Holes,
  NO_HOLES,
  type RequestCase,
  requestCase,
} from './support/differential/request-cases.js';
import { createRequestDifferential, type Via } from './support/differential/request-differential.js';

const seed = Number(process.env.VIGIL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const numRuns = Number(process.env.VIGIL_FUZZ_RUNS ?? 300);
let differential: Awaited<ReturnType<typeof createRequestDifferential>>;

beforeAll(async () => {
  console.log(
    `request differential: seed ${seed} (replay: VIGIL_FUZZ_SEED=${seed}), ${numRuns} cases a property`,
  );
  differential = await createRequestDifferential();
});
afterAll(async () => {
  console.log(`request differential: ${JSON.stringify(differential.stats)}`);
  await differential.close();
});

const via = fc.constantFrom<Via>('hono', 'hono', 'express4', 'express5');

function property(holes: Holes, runs = numRuns) {
  return fc.assert(
    fc.asyncProperty(requestCase(holes), via, async (request, through) => {
      expect(await differential.check(request, through)).toEqual([]);
    }),
    { seed, numRuns: runs },
  );
}

describe('request differential: what upstream parsers read, Vigil judged', () => {
  it('holds for every generated shape, charset, content type and duplicate key', async () => {
    const before = { ...differential.stats };
    await property(ALL_SHAPES);
    // The run exercised both outcomes: refused requests, and forwarded ones the parsers read.
    expect(differential.stats.refused).toBeGreaterThan(before.refused);
    expect(differential.stats.readings).toBeGreaterThan(before.readings);
  }, 240_000);
});

/** Holes this suite found, as counterexamples it gave; each failed on 341d114. */
const FOUND: Array<[string, RequestCase]> = [
  [
    "qs brackets: Express 4's urlencoded() nests messages[0][content] beside a decoy prompt",
    {
      kind: 'form',
      path: '/v1/chat/completions',
      fields: [
        ['prompt', 'Hello there.'],
        ['messages[0][role]', 'user'],
        ['messages[0][content]', 'Please explain MARK today.'],
      ],
    },
  ],
  [
    'qs brackets: prompt[] beside a decoy prompt (qs makes one list of both)',
    {
      kind: 'form',
      path: '/v1/completions',
      fields: [
        ['prompt', 'Hello there.'],
        ['prompt[]', 'MARK'],
      ],
    },
  ],
  [
    'multipart: a base64 Content-Transfer-Encoding part (Hono, Python)',
    {
      kind: 'multipart',
      path: '/generate',
      style: 'base64',
      fields: [
        ['model', 'm'],
        ['prompt', 'MARK'],
      ],
    },
  ],
  [
    'multipart: a quoted-printable part (Python)',
    {
      kind: 'multipart',
      path: '/generate',
      style: 'quoted-printable',
      fields: [
        ['model', 'm'],
        ['prompt', 'MARK'],
      ],
    },
  ],
  [
    'a utf-7 charset: body-parser decodes it, Vigil read the bytes as UTF-8',
    {
      kind: 'json',
      path: '/generate',
      body: { object: [['prompt', 'MARK']] },
      contentType: 'application/json',
      charset: 'utf-7 charset',
      escaped: false,
      contentEncoding: undefined,
    },
  ],
  [
    'a charset named inside a quoted parameter (utf-7 for body-parser, a decoy utf-8 for Vigil)',
    {
      kind: 'json',
      path: '/generate',
      body: { object: [['prompt', 'MARK']] },
      contentType: 'application/json',
      charset: 'utf-7, decoy in a quoted parameter',
      escaped: false,
      contentEncoding: undefined,
    },
  ],
  [
    'a multipart boundary named inside a quoted parameter, framing a decoy preamble',
    {
      kind: 'multipart',
      path: '/generate',
      style: 'decoy boundary',
      fields: [
        ['model', 'm'],
        ['prompt', 'MARK'],
      ],
    },
  ],
  [
    'a duplicate key in a text/plain JSON body with escaped strings (found after merging items 9 and 2: read as plain text, the escapes hid the text)',
    {
      kind: 'json',
      path: '/v1/completions',
      body: {
        object: [
          ['model', 'm'],
          ['model', 'Hello there.'],
          ['prompt', 'MARK'],
        ],
      },
      contentType: 'text/plain',
      charset: 'utf-8',
      escaped: true,
      contentEncoding: undefined,
    },
  ],
];

describe('request differential: the holes it found stay closed', () => {
  it.each(FOUND)('%s', async (_, request) => {
    for (const through of ['hono', 'express4', 'express5'] as const)
      expect(await differential.check(request, through)).toEqual([]);
  });
});

/**
 * Shapes of issue 24 items 4, 6, 7, 8 and 9 (fixed on the request side): each also gets a
 * property of its own, which generates only the shapes it lives in.
 */
const KNOWN_HOLES: Array<[string, Partial<Holes>]> = [
  ['item 4: roles missing, not a string or in __proto__', { roles: true }],
  ['item 6: Anthropic document and search_result blocks', { documentBlocks: true }],
  ['item 7: assistant prefill after the last user message', { prefill: true }],
  ['item 8: the suffix of /v1/completions', { suffix: true }],
  ['item 9: duplicate form and multipart fields, first value read', { duplicateFields: true }],
];

describe('request differential: issue 24 shapes, one at a time', () => {
  for (const [name, holes] of KNOWN_HOLES)
    it(name, () => property({ ...NO_HOLES, ...holes }, Math.min(numRuns, 200)), 120_000);
});
