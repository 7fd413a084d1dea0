import { randomUUID } from 'node:crypto';
import { VigilInputError } from '@vigil/guard-core';
import { parseOrThrow, sseEvent, VigilBodyTooLargeError } from '@vigil/guard-core/internal';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { errorResponse, usageJson, vigilJson } from './openai-response.js';
import { chatCompletionRequestSchema, toChatCall } from './openai-schema.js';
import type { ChatPiece, ChatResult, Generator } from './types.js';

const chatAppOptionsShape = {
  /** The generator that answers (from `createGenerator`). The caller keeps it. Required. */
  generator: z.custom<Pick<Generator, 'stream' | 'model' | 'mode' | 'stats' | 'memory'>>(
    (value) => typeof (value as Generator | undefined)?.stream === 'function',
    'expected a generator (from createGenerator)',
  ),
  /** The model id in responses and `GET /v1/models`; requests may name any model. Defaults to `generator.model.name`. */
  modelId: z.string().min(1).optional(),
  /** Add the verdicts as a `vigil` field to responses (the last chunk, when streaming). Defaults to `true` unless the generator's mode is `'shadow'`. */
  exposeVerdicts: z.boolean().optional(),
  /** Larger request bodies get 413. Defaults to `1048576` (1 MiB). */
  maxBodyBytes: z.number().int().min(1).default(1_048_576),
};

/** Validates {@link ChatAppOptions} (unknown keys are errors). */
// Annotated with its shape, so that the emitted `.d.ts` keeps each key's doc comment.
const chatAppOptionsSchema: z.ZodObject<typeof chatAppOptionsShape, z.core.$strict> =
  z.strictObject(chatAppOptionsShape);

/** The options of `createChatApp`. */
export interface ChatAppOptions extends z.input<typeof chatAppOptionsSchema> {}

/**
 * A Hono app serving the generator behind an OpenAI-compatible API: `POST /v1/chat/completions`
 * (streamed and not; `finish_reason: 'content_filter'` for refused input and cut answers),
 * `GET /v1/models`, `GET /healthz`. Serve it with `@hono/node-server` or mount it in another app.
 * @example
 * import { serve } from '@hono/node-server';
 * serve({ fetch: createChatApp({ generator }).fetch, port: 8787 });
 * // new OpenAI({ baseURL: 'http://localhost:8787/v1', apiKey: 'unused' })
 */
export function createChatApp(options: ChatAppOptions): Hono {
  const parsed = parseOrThrow(chatAppOptionsSchema, options, 'createChatApp options');
  const { generator } = options;
  const modelId = parsed.modelId ?? generator.model.name;
  const exposeVerdicts = parsed.exposeVerdicts ?? generator.mode !== 'shadow';
  const created = Math.floor(Date.now() / 1000);
  const modelJson = { id: modelId, object: 'model', created, owned_by: 'vigil' };
  const app = new Hono();

  app.get('/healthz', (c) =>
    c.json({
      status: 'ok',
      model: modelId,
      mode: generator.mode,
      stats: generator.stats(),
      memory: generator.memory(),
    }),
  );
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [modelJson] }));
  app.get('/v1/models/:id', (c) =>
    c.req.param('id') === modelId
      ? c.json(modelJson)
      : c.json(errorResponse(new VigilInputError(`model '${c.req.param('id')}' does not exist`)).body, 404),
  );

  app.post(
    '/v1/chat/completions',
    bodyLimit({
      maxSize: parsed.maxBodyBytes,
      onError: (c) =>
        errorJson(c, new VigilBodyTooLargeError('request body', parsed.maxBodyBytes, undefined)),
    }),
    async (c) => {
      let request: ChatRequest;
      try {
        request = await readChatRequest(c);
      } catch (error) {
        return errorJson(c, error);
      }
      const { call } = request;
      const id = `chatcmpl-${randomUUID()}`;
      const reply: Reply = {
        base: { id, created: Math.floor(Date.now() / 1000), model: modelId },
        exposeVerdicts,
      };
      // A client that goes away stops generation and pending checks.
      const pieces = generator.stream(call.messages, { ...call.options, signal: c.req.raw.signal });
      if (!request.stream) return completion(c, pieces, reply);
      // Streamed: wait for the first piece so that a refusal to start (bad input, full queue)
      // is a plain HTTP error, then send chat.completion.chunk events.
      let first: IteratorResult<ChatPiece, void>;
      try {
        first = await pieces.next();
      } catch (error) {
        return errorJson(c, error);
      }
      return new Response(
        ReadableStream.from(chunks(pieces, first, reply, request.includeUsage, c.req.raw.signal)),
        {
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
            connection: 'keep-alive',
          },
        },
      );
    },
  );

  app.notFound((c) =>
    c.json(errorResponse(new VigilInputError(`${c.req.method} ${c.req.path}: no such route`)).body, 404),
  );
  return app;
}

/** An error as an OpenAI-style JSON response, its status from guard-core's one status table. */
function errorJson(c: Context, error: unknown) {
  const { status, body } = errorResponse(error);
  return c.json(body, status);
}

interface ChatRequest {
  call: ReturnType<typeof toChatCall>;
  stream: boolean;
  includeUsage: boolean;
}

/** The chat completion request: its JSON body, validated, as a generator call. */
async function readChatRequest(c: Context): Promise<ChatRequest> {
  const json = await c.req.json().catch(() => {
    throw new VigilInputError('request body: expected JSON');
  });
  const body = parseOrThrow(chatCompletionRequestSchema, json, 'request body', VigilInputError);
  return {
    call: toChatCall(body),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
}

/** What every response of one chat carries: its id, time and model, and whether verdicts show. */
interface Reply {
  base: { id: string; created: number; model: string };
  exposeVerdicts: boolean;
}

/** A non-streamed chat completion: the whole answer, or an error. */
async function completion(c: Context, pieces: AsyncGenerator<ChatPiece, void, undefined>, reply: Reply) {
  try {
    let result: ChatResult | undefined;
    for await (const piece of pieces) if (piece.type === 'end') result = piece.result;
    if (!result) throw new Error('chat ended without a result');
    return c.json({
      ...reply.base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: result.message.content, refusal: null },
          logprobs: null,
          finish_reason: result.finishReason,
        },
      ],
      usage: usageJson(result),
      ...(reply.exposeVerdicts ? { vigil: vigilJson(result) } : {}),
    });
  } catch (error) {
    return errorJson(c, error);
  }
}

/** A streamed chat completion's SSE events, from the first piece on; `[DONE]` at the end. */
async function* chunks(
  pieces: AsyncGenerator<ChatPiece, void, undefined>,
  first: IteratorResult<ChatPiece, void>,
  reply: Reply,
  includeUsage: boolean,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const encoder = new TextEncoder();
  const event = (data: unknown) => encoder.encode(sseEvent(JSON.stringify(data)));
  const chunk = (delta: object, finishReason: string | null = null, extra: object = {}) =>
    event({
      ...reply.base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...extra,
    });
  try {
    yield chunk({ role: 'assistant', content: '' });
    for (let next = first; !next.done; next = await pieces.next()) {
      const piece = next.value;
      if (piece.type === 'text') {
        yield chunk({ content: piece.text });
        continue;
      }
      const { result } = piece;
      yield chunk({}, result.finishReason, reply.exposeVerdicts ? { vigil: vigilJson(result) } : {});
      if (includeUsage) {
        yield event({
          ...reply.base,
          object: 'chat.completion.chunk',
          choices: [],
          usage: usageJson(result),
        });
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    yield event(errorResponse(error).body);
  } finally {
    // The client went away (the stream was cancelled): stop generating.
    await pieces.return();
  }
  yield encoder.encode(sseEvent('[DONE]'));
}
