import { type Message, VigilInputError } from '@vigil/guard-core';
import { messageText } from '@vigil/guard-core/internal';
import { z } from 'zod';

/** What the request schemas enforce beyond types. */
export interface RequestLimits {
  /** Inputs in one `/v1/moderations` request, conversations in one batch `/v1/classify`. */
  maxInputs: number;
  /** Characters in one input (a moderation input; all the text of one conversation). */
  maxInputChars: number;
}

/** Parses `value` with the schema `pick` chooses for it, keeping the inner issues (and paths). */
function dispatch<T>(pick: (value: unknown) => z.ZodType<T> | string) {
  return z.unknown().transform((value, context): T => {
    const schema = pick(value);
    if (typeof schema === 'string') {
      context.addIssue({ code: 'custom', message: schema });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const path = [...issue.path, issue.keys[0] ?? ''];
        context.addIssue({ code: 'custom', message: 'unknown field', path });
      } else context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
    return z.NEVER;
  });
}

const describe = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({ url: z.string() }),
});
export type ModerationPart = z.output<typeof textPart> | z.output<typeof imagePart>;

const part = dispatch<ModerationPart>((value) => {
  const type = (value as { type?: unknown } | null)?.type;
  if (type === 'text') return textPart;
  if (type === 'image_url') return imagePart;
  return `expected a part of type 'text' or 'image_url', received ${JSON.stringify(type ?? null)}`;
});

/** `POST /v1/moderations`: OpenAI's request body. */
export function moderationRequestSchema({ maxInputs, maxInputChars }: RequestLimits) {
  const text = z
    .string()
    .min(1, 'expected a non-empty string')
    .max(maxInputChars, `expected at most ${maxInputChars} characters`);
  const texts = z
    .array(text)
    .min(1, 'expected at least one input')
    .max(maxInputs, `expected at most ${maxInputs} inputs`);
  const parts = z
    .array(part)
    .max(maxInputs, `expected at most ${maxInputs} parts`)
    .superRefine((items, context) => {
      const textItems = items.filter((item): item is z.output<typeof textPart> => item.type === 'text');
      if (textItems.every((item) => item.text.length === 0)) {
        context.addIssue({
          code: 'custom',
          message: 'expected a non-empty text part (images are not judged: Llama Guard 3 1B reads text only)',
        });
      }
      if (textItems.reduce((sum, item) => sum + item.text.length, 0) > maxInputChars)
        context.addIssue({ code: 'custom', message: `expected at most ${maxInputChars} characters of text` });
    });
  const input = dispatch<string | string[] | ModerationPart[]>((value) => {
    if (typeof value === 'string') return text;
    if (!Array.isArray(value))
      return `expected a string, an array of strings or an array of content parts, received ${describe(value)}`;
    if (value.length === 0) return 'expected at least one input';
    return typeof value[0] === 'string' ? texts : parts;
  });
  return z.strictObject({
    input,
    model: z.string().min(1, 'expected a non-empty string').max(256).optional(),
  });
}

export type ModerationRequest = z.output<ReturnType<typeof moderationRequestSchema>>;

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const message = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
});

export type ClassifyMessages = string | z.output<typeof message>[];

/**
 * Characters of one conversation the guard will judge: every message's judged text by
 * guard-core's own definition (`messageText`: text, refusal, thinking, tool-call arguments...),
 * so the limit and the judged text cannot drift apart. Content the guard would reject counts as
 * nothing here (the guard's 400 names it).
 */
function textLength(messages: ClassifyMessages) {
  if (typeof messages === 'string') return messages.length;
  let length = 0;
  for (const item of messages) {
    try {
      length += messageText(item as Message).length;
    } catch (error) {
      if (!VigilInputError.isInstance(error)) throw error;
    }
  }
  return length;
}

/** `POST /v1/classify`: one conversation (`messages`) or a batch (`conversations`). */
export function classifyRequestSchema({ maxInputs, maxInputChars }: RequestLimits) {
  const messages = z
    .union(
      [
        z.string().min(1, 'expected a non-empty string'),
        z.array(message).min(1, 'expected at least one message'),
      ],
      {
        error: (issue) =>
          issue.code === 'invalid_union' ? 'expected a string or an array of messages' : undefined,
      },
    )
    .refine(
      (value) => textLength(value) <= maxInputChars,
      `expected at most ${maxInputChars} characters of text`,
    );
  const common = {
    role: z.enum(['user', 'assistant']).optional(),
    categories: z.array(z.string().min(1)).min(1).optional(),
    includeCategoryProbabilities: z.boolean().optional(),
  };
  const single = z.strictObject({ messages, ...common });
  const batch = z.strictObject({
    conversations: z
      .array(messages)
      .min(1, 'expected at least one conversation')
      .max(maxInputs, `expected at most ${maxInputs} conversations`),
    ...common,
  });
  return dispatch<z.output<typeof single> | z.output<typeof batch>>((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return `expected a JSON object, received ${describe(value)}`;
    if ('conversations' in value) return batch;
    if ('messages' in value) return single;
    return "expected a field 'messages' (one conversation) or 'conversations' (a batch), received neither";
  });
}

export type ClassifyRequest = z.output<ReturnType<typeof classifyRequestSchema>>;
