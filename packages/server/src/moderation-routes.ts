import { randomUUID } from 'node:crypto';
import type { Message, Verdict } from '@vigil/guard-core';
import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { invalidBody } from './api-error.js';
import type { createJudge, JudgeItem } from './judge.js';
import { toOpenAIModeration } from './openai-categories.js';
import { readJsonBody } from './read-json-body.js';
import {
  classifyRequestSchema,
  type ModerationPart,
  moderationRequestSchema,
  type RequestLimits,
} from './request-schemas.js';

/** What a route tells the request log and the request counter. */
export interface RequestNotes {
  inputs?: number;
  flagged?: number;
  categories?: string[];
  content?: unknown;
}

export type ServiceEnv = { Variables: { notes: RequestNotes } };

export interface ModerationRouteOptions extends RequestLimits {
  judge: ReturnType<typeof createJudge>;
  modelId: string;
  timeoutMs: number;
}

async function readJson<S extends z.ZodType>(c: Context<ServiceEnv>, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await readJsonBody(c.req.raw));
  if (!parsed.success) throw invalidBody(parsed.error);
  return parsed.data;
}

function note(c: Context<ServiceEnv>, verdicts: readonly Verdict[], content: unknown) {
  const flagged = verdicts.filter((verdict) => !verdict.safe);
  c.set('notes', {
    inputs: verdicts.length,
    flagged: flagged.length,
    categories: [
      ...new Set(flagged.flatMap((verdict) => verdict.categories.map((category) => category.code))),
    ],
    content,
  });
}

function vigilField(verdict: Verdict, imagesIgnored: number) {
  return {
    safe: verdict.safe,
    categories: verdict.categories,
    ignoredCategories: verdict.ignoredCategories,
    unsafeProbability: verdict.unsafeProbability,
    cached: verdict.cached,
    ...(imagesIgnored > 0 ? { imagesIgnored } : {}),
  };
}

/** `POST /v1/moderations` (OpenAI's API) and `POST /v1/classify` (Vigil's verdicts). */
export function addModerationRoutes(app: Hono<ServiceEnv>, options: ModerationRouteOptions) {
  const moderationSchema = moderationRequestSchema(options);
  const classifySchema = classifyRequestSchema(options);

  app.post('/v1/moderations', async (c) => {
    const body = await readJson(c, moderationSchema);
    const { input } = body;
    let items: JudgeItem[];
    let imagesIgnored = 0;
    if (typeof input === 'string') items = [{ input, param: 'input' }];
    else if (input.every((item): item is string => typeof item === 'string'))
      items = input.map((text, index) => ({ input: text, param: `input[${index}]` }));
    else {
      // An array of parts is one input, as in OpenAI's API: its text judged as one user turn.
      const parts = input as ModerationPart[];
      imagesIgnored = parts.filter((part) => part.type === 'image_url').length;
      const message: Message = { role: 'user', content: parts.filter((part) => part.type === 'text') };
      items = [{ input: [message], param: 'input' }];
    }
    const verdicts = await options.judge(items, {
      role: 'user',
      includeCategoryProbabilities: true,
      signal: c.req.raw.signal,
      timeoutMs: options.timeoutMs,
    });
    note(c, verdicts, input);
    return c.json({
      id: `modr-${randomUUID()}`,
      model: body.model ?? options.modelId,
      results: verdicts.map((verdict) => ({
        ...toOpenAIModeration(verdict),
        vigil: vigilField(verdict, imagesIgnored),
      })),
    });
  });

  app.post('/v1/classify', async (c) => {
    const body = await readJson(c, classifySchema);
    const conversations = 'conversations' in body ? body.conversations : [body.messages];
    const where = 'conversations' in body ? (index: number) => `conversations[${index}]` : () => 'messages';
    const verdicts = await options.judge(
      conversations.map((messages, index) => ({
        input: messages as string | Message[],
        param: where(index),
      })),
      {
        role: body.role,
        categories: body.categories,
        includeCategoryProbabilities: body.includeCategoryProbabilities,
        signal: c.req.raw.signal,
        timeoutMs: options.timeoutMs,
      },
    );
    note(c, verdicts, conversations);
    return c.json('conversations' in body ? { results: verdicts } : verdicts[0]);
  });
}
