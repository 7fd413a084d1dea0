import type { JudgedRole, Message } from '@vigil/guard-core';
import { parseRecord } from '../../transcripts/parse-record.js';
import { LabelError, parseCategories, parseLabel } from './labels.js';

/** The dataset presets `--preset` names. */
export const presetNames = ['xstest', 'openai-moderation', 'toxicchat', 'aegis2', 'beavertails'] as const;
export type PresetName = (typeof presetNames)[number];

/** What one record gives: an example's parts, or why it is skipped. */
export type RowRead =
  | {
      messages: Message[];
      role: JudgedRole | undefined;
      label: boolean | null;
      id: string | null;
      categories: string[];
      slices: Record<string, string>;
    }
  | { skip: 'invalid' | 'unlabelled'; message: string };

/** A value a row cannot be read with (a label nobody can read): the row is counted as invalid. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** How to read the records of one kind of dataset. */
export interface DatasetSpec {
  /** Why the first record is not this kind of dataset, or `undefined` when it is. */
  check(fields: Record<string, unknown>): string | undefined;
  /** One record. @throws FieldError for a value the row cannot be read with. */
  read(fields: Record<string, unknown>): RowRead;
}

/** Options of a generic dataset (the `--*-field` flags). */
export interface GenericFields {
  /** Defaults to `text` (for `--role assistant`: the prompt). */
  textField?: string | undefined;
  /** The assistant's answer, judged under `--role assistant`. Defaults to `response`. */
  responseField?: string | undefined;
  /** Defaults to `label`. */
  labelField?: string | undefined;
  unsafeValues?: readonly string[] | undefined;
  categoryField?: string | undefined;
  languageField?: string | undefined;
  sliceFields?: readonly string[] | undefined;
  /** Defaults to `id`. */
  idField?: string | undefined;
  role?: JudgedRole | undefined;
}

const describeKeys = (fields: Record<string, unknown>) =>
  Object.keys(fields).slice(0, 12).join(', ') || 'none';

function missing(fields: Record<string, unknown>, required: readonly string[], what: string) {
  const absent = required.filter((name) => !(name in fields));
  if (absent.length === 0) return undefined;
  return `${what}: expected field${absent.length > 1 ? 's' : ''} ${absent.map((name) => `'${name}'`).join(', ')}, received ${describeKeys(fields)}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function idOf(value: unknown) {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

function label(field: string, value: unknown, unsafeValues?: readonly string[]) {
  try {
    return parseLabel(value, unsafeValues);
  } catch (error) {
    if (error instanceof LabelError) throw new FieldError(field, error.message);
    throw error;
  }
}

/** A prompt, or a prompt and the answer judged. */
function turns(
  fields: Record<string, unknown>,
  promptField: string,
  responseField: string,
  role: JudgedRole | undefined,
): { messages: Message[] } | { skip: 'invalid'; message: string } {
  const prompt = text(fields[promptField]);
  if (prompt === undefined)
    return { skip: 'invalid', message: `${promptField}: expected a non-empty string` };
  if (role !== 'assistant') return { messages: [{ role: 'user', content: prompt }] };
  const response = text(fields[responseField]);
  if (response === undefined)
    return { skip: 'invalid', message: `${responseField}: expected a non-empty string` };
  return {
    messages: [
      { role: 'user', content: prompt },
      { role: 'assistant', content: response },
    ],
  };
}

/** A dataset read by its field names: text, messages, or prompt + response. */
export function genericSpec(options: GenericFields): DatasetSpec {
  const textField = options.textField ?? 'text';
  const responseField = options.responseField ?? 'response';
  const labelField = options.labelField ?? 'label';
  const idField = options.idField ?? 'id';
  return {
    check(fields) {
      const conversation = options.textField === undefined && Array.isArray(fields.messages);
      const required = [labelField, ...(conversation ? [] : [textField])];
      if (options.role === 'assistant' && !conversation) required.push(responseField);
      return missing(fields, required, 'not a dataset these flags read (--text-field, --label-field)');
    },
    read(fields) {
      let messages: Message[];
      if (options.textField === undefined && Array.isArray(fields.messages)) {
        const record = parseRecord({ messages: fields.messages });
        if ('problem' in record) return { skip: 'invalid', message: `messages: ${record.problem}` };
        messages = record.messages;
      } else {
        const read = turns(fields, textField, responseField, options.role);
        if ('skip' in read) return read;
        messages = read.messages;
      }
      const slices: Record<string, string> = {};
      for (const name of options.sliceFields ?? []) {
        const value = fields[name];
        if (value !== undefined && value !== null && value !== '') slices[name] = String(value);
      }
      const language = options.languageField && fields[options.languageField];
      if (typeof language === 'string' && language !== '') slices.language = language;
      return {
        messages,
        role: options.role,
        label: label(labelField, fields[labelField], options.unsafeValues),
        id: idOf(fields[idField]),
        categories: options.categoryField ? parseCategories(fields[options.categoryField]) : [],
        slices,
      };
    },
  };
}

const moderationKeys = ['S', 'H', 'V', 'HR', 'SH', 'S3', 'H2', 'V2'] as const;

function xstest(): DatasetSpec {
  const inner = genericSpec({ textField: 'prompt', labelField: 'label', sliceFields: ['type'] });
  return {
    check: (fields) =>
      missing(fields, ['prompt', 'type', 'label'], 'not an XSTest file (id,prompt,type,label,focus,note)'),
    read: inner.read,
  };
}

function openAiModeration(): DatasetSpec {
  return {
    check(fields) {
      const problem = missing(
        fields,
        ['prompt'],
        'not an OpenAI moderation file ({"prompt", "S", "H", ...})',
      );
      if (problem) return problem;
      if (!moderationKeys.some((key) => key in fields)) {
        return `not an OpenAI moderation file: expected at least one of ${moderationKeys.join(', ')}, received ${describeKeys(fields)}`;
      }
      return undefined;
    },
    read(fields) {
      const read = turns(fields, 'prompt', '', 'user');
      if ('skip' in read) return read;
      const categories: string[] = [];
      let labelled = false;
      for (const key of moderationKeys) {
        const value = fields[key];
        if (value === undefined || value === null) continue;
        if (value !== 0 && value !== 1)
          throw new FieldError(key, `expected 0 or 1, received ${JSON.stringify(value)}`);
        labelled = true;
        if (value === 1) categories.push(key);
      }
      if (!labelled) return { skip: 'unlabelled', message: `none of ${moderationKeys.join(', ')} is set` };
      return { ...read, role: 'user', label: categories.length > 0, id: null, categories, slices: {} };
    },
  };
}

function toxicChat(): DatasetSpec {
  return {
    check: (fields) =>
      missing(
        fields,
        ['user_input', 'toxicity'],
        'not a ToxicChat file (conv_id,user_input,...,toxicity,jailbreaking)',
      ),
    read(fields) {
      const read = turns(fields, 'user_input', '', 'user');
      if ('skip' in read) return read;
      const jailbreaking = label('jailbreaking', fields.jailbreaking);
      return {
        ...read,
        role: 'user',
        label: label('toxicity', fields.toxicity),
        id: idOf(fields.conv_id),
        categories: [],
        slices:
          jailbreaking === null
            ? {}
            : ({ jailbreaking: jailbreaking ? 'yes' : 'no' } as Record<string, string>),
      };
    },
  };
}

function aegis2(role: JudgedRole | undefined): DatasetSpec {
  const side = role === 'assistant' ? 'response' : 'prompt';
  return {
    check: (fields) =>
      missing(
        fields,
        ['prompt', `${side}_label`],
        'not an Aegis 2.0 file (prompt, response, prompt_label, response_label, violated_categories)',
      ),
    read(fields) {
      if (fields.prompt === 'REDACTED')
        return { skip: 'invalid', message: 'prompt: REDACTED in the dataset' };
      const value = label(`${side}_label`, fields[`${side}_label`]);
      if (value === null) return { skip: 'unlabelled', message: `${side}_label: empty` };
      const read = turns(fields, 'prompt', 'response', role);
      if ('skip' in read) return read;
      return {
        ...read,
        role: role ?? 'user',
        label: value,
        id: idOf(fields.id),
        categories: value ? parseCategories(fields.violated_categories) : [],
        slices: {},
      };
    },
  };
}

function beavertails(): DatasetSpec {
  return {
    check: (fields) =>
      missing(
        fields,
        ['prompt', 'response', 'is_safe'],
        'not a BeaverTails file (prompt, response, category, is_safe)',
      ),
    read(fields) {
      const read = turns(fields, 'prompt', 'response', 'assistant');
      if ('skip' in read) return read;
      const safe = label('is_safe', fields.is_safe);
      if (safe === null) return { skip: 'unlabelled', message: 'is_safe: empty' };
      return {
        ...read,
        role: 'assistant',
        label: !safe,
        id: idOf(fields.id),
        categories: parseCategories(fields.category),
        slices: {},
      };
    },
  };
}

/** The spec of a preset. `role` chooses the side judged where a preset has both (Aegis 2.0). */
export function presetSpec(name: PresetName, role: JudgedRole | undefined): DatasetSpec {
  switch (name) {
    case 'xstest':
      return xstest();
    case 'openai-moderation':
      return openAiModeration();
    case 'toxicchat':
      return toxicChat();
    case 'aegis2':
      return aegis2(role);
    case 'beavertails':
      return beavertails();
    default:
      return name satisfies never;
  }
}
