// The response-side differential property: what the official clients show of an answer Vigil
// delivered never holds unsafe text Vigil did not judge (buffer mode: never the marker at all).
import fc from 'fast-check';
import { MARKER, type VigilApps } from './response-apps.js';
import { type ResponseProtocol, shownByClients, shownJsonByClients } from './response-clients.js';
import { framedJson, framedStream } from './response-framings.js';

export interface PropertyOptions {
  runs: number;
  seed: number;
  /** `'buffer'`: no client may show the marker. `'progressive'`: only if Vigil judged it. */
  strategy: 'buffer' | 'progressive';
}

/** The seed of this run: `VIGIL_FUZZ_SEED`, or a fresh one (printed so a failure can be replayed). */
export function fuzzSeed(): number {
  const given = Number(process.env.VIGIL_FUZZ_SEED);
  return Number.isSafeInteger(given) ? given : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

/** Runs the property for one protocol's streams on every adapter of `apps`; returns the cases run. */
export async function checkStreams(
  apps: VigilApps,
  protocol: ResponseProtocol,
  options: PropertyOptions,
): Promise<number> {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(framedStream(protocol), async ({ answer }) => {
      cases++;
      for (const adapter of apps.adapters) {
        apps.answer(answer);
        apps.takeJudged();
        apps.takeDecisions();
        const shown = await shownByClients(adapter.fetch, protocol);
        // The scripted engine matches case-insensitively: so does "judged".
        const judged = apps.takeJudged().some((text) => text.toUpperCase().includes(MARKER));
        // Progressive forwards first: text forwarded before a cut (for any unsafe text) is the
        // documented window, so the stream must then have been cut.
        const cut = apps.takeDecisions().every((decision) => decision.action !== 'allow');
        for (const { client, texts } of shown)
          for (const text of texts) {
            if (!text.includes(MARKER)) continue;
            if (options.strategy === 'buffer' || !(judged || cut))
              throw new Error(`${adapter.name}: ${client} shows ${JSON.stringify(text)}`);
          }
      }
    }),
    { numRuns: options.runs, seed: options.seed, timeout: 20_000, endOnFailure: true },
  );
  return cases;
}

/**
 * The other side of the property: a safe answer in the usual order (any framing, extra fields,
 * duplicate keys) passes, judged and allowed, on every adapter. Returns the cases run, and in
 * how many adapter runs a client showed text.
 */
export async function checkSafeStreamsPass(
  apps: VigilApps,
  protocol: ResponseProtocol,
  options: Omit<PropertyOptions, 'strategy'>,
): Promise<{ cases: number; shownCases: number }> {
  let cases = 0;
  /** Adapter runs where a client showed text (a refusal-only answer shows none in some clients). */
  let shownCases = 0;
  await fc.assert(
    fc.asyncProperty(
      framedStream(protocol, { unsafe: false, disorder: false, mixed: false }),
      async ({ answer }) => {
        cases++;
        for (const adapter of apps.adapters) {
          apps.answer(answer);
          apps.takeDecisions();
          const shown = await shownByClients(adapter.fetch, protocol);
          const decisions = apps.takeDecisions();
          const refused = decisions.filter((decision) => decision.action !== 'allow');
          if (refused.length > 0 || decisions.length === 0)
            throw new Error(`${adapter.name}: a safe answer was not allowed: ${JSON.stringify(refused)}`);
          if (shown.some(({ texts }) => texts.some((text) => text !== ''))) shownCases++;
        }
      },
    ),
    { numRuns: options.runs, seed: options.seed, timeout: 20_000, endOnFailure: true },
  );
  return { cases, shownCases };
}

/** The property for JSON answers: no client shows the marker (a JSON answer is read whole first). */
export async function checkJson(
  apps: VigilApps,
  protocol: ResponseProtocol,
  options: Omit<PropertyOptions, 'strategy'>,
): Promise<number> {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(framedJson(protocol), async ({ answer }) => {
      cases++;
      for (const adapter of apps.adapters) {
        apps.answer(answer);
        for (const { client, texts } of await shownJsonByClients(adapter.fetch, protocol))
          for (const text of texts)
            if (text.includes(MARKER))
              throw new Error(`${adapter.name}: ${client} shows ${JSON.stringify(text)}`);
      }
    }),
    { numRuns: options.runs, seed: options.seed, timeout: 20_000, endOnFailure: true },
  );
  return cases;
}
