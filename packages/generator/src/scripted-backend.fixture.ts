// A scripted chat backend for unit tests: no model; it "generates" fixed pieces with a small
// delay, honours abort and maxTokens (one piece = one token), and records what it was asked.
// Not part of the package.
import { createGuard } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { createGuardedChat, defaultRefusal, type GuardedChatSettings } from './guarded-chat.js';
import type { ChatBackend, DraftUsage, GenerateRequest, GenerateResult } from './types.js';

export const SAFE_PIECES = [
  'The sky ',
  'is blue ',
  'and the ',
  'grass is ',
  'green. ',
  'Have a ',
  'nice day.',
];
/** The S9 trigger `bomb` arrives in the 4th piece of 9. */
export const UNSAFE_PIECES = [
  'Once upon ',
  'a time. ',
  'A farmer ',
  'found a bomb ',
  'under his ',
  'barn. ',
  'He ',
  'called ',
  'help.',
];

export interface ScriptedBackend extends ChatBackend {
  calls: GenerateRequest[];
  /** Pieces emitted per call. */
  emitted: number[];
  aborted: number;
}

export function createScriptedBackend(
  options: {
    sequences?: number;
    delayMs?: number;
    answer?: (request: GenerateRequest) => readonly string[];
    /** Drafted-token counts to report per generation (as a drafting backend does). Defaults to none. */
    draft?: DraftUsage;
  } = {},
): ScriptedBackend {
  const delayMs = options.delayMs ?? 2;
  const answer =
    options.answer ??
    ((request: GenerateRequest) => {
      const last = request.messages.at(-1);
      return typeof last?.content === 'string' && last.content.includes('story')
        ? UNSAFE_PIECES
        : SAFE_PIECES;
    });
  const backend: ScriptedBackend = {
    calls: [],
    emitted: [],
    aborted: 0,
    model: { name: 'scripted', path: '/dev/null', contextSize: 4096, template: 'gguf' },
    sequences: options.sequences ?? 1,
    async generate(_slot, request): Promise<GenerateResult> {
      backend.calls.push(request);
      const index = backend.emitted.push(0) - 1;
      const pieces = answer(request);
      let stopReason: GenerateResult['stopReason'] = 'stop';
      for (const piece of pieces) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (request.signal.aborted) {
          backend.aborted++;
          stopReason = 'abort';
          break;
        }
        if ((backend.emitted[index] as number) >= request.maxTokens) {
          stopReason = 'length';
          break;
        }
        backend.emitted[index] = (backend.emitted[index] as number) + 1;
        request.onText(piece);
      }
      return {
        stopReason,
        promptTokens: 10,
        completionTokens: backend.emitted[index] as number,
        ...(options.draft ? { draft: options.draft } : {}),
      };
    },
    memory: () => ({ modelBytes: 1, contextBytes: 2 }),
    async dispose() {},
  };
  return backend;
}

/** A guarded chat over a scripted backend and a scripted guard (` bomb` is S9). */
export async function scriptedGenerator(
  settings: Partial<GuardedChatSettings> & { delayMs?: number; guardDelayMs?: number } = {},
) {
  const engine = createScriptedEngine({ delayMs: settings.guardDelayMs ?? 0 });
  const guard = await createGuard({ engine, verdictCacheSize: 0 });
  const backend =
    (settings.backend as ScriptedBackend | undefined) ?? createScriptedBackend({ delayMs: settings.delayMs });
  const generator = createGuardedChat({
    guard,
    mode: 'block',
    refusal: defaultRefusal,
    checkEvery: { tokens: 4 },
    onVerdict: undefined,
    maxQueue: 4,
    defaults: { maxTokens: 100, temperature: 0.6, topP: 0.9 },
    ...settings,
    backend,
  });
  return { generator, backend, engine, guard };
}
