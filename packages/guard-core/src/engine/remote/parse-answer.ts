import { VigilModelOutputError } from '../../errors.js';

export interface ParsedAnswer {
  unsafe: boolean;
  codes: string[];
}

/**
 * Parses Llama Guard's answer text: `safe`, or `unsafe` and a line of comma-separated codes. Only
 * the remote engine's text-only fallback (a server that sends no logprobs) reads text; every
 * other path decodes codes from the model's distribution. Tolerates what real replies contain: surrounding whitespace, `unsafe ` with a trailing space, `S1, S2`,
 * a trailing `<|eot_id|>`, lower-case codes.
 * @throws VigilModelOutputError when the first word is neither verdict.
 */
export function parseAnswer(text: string): ParsedAnswer {
  const cleaned = text.replace(/<\|eot_id\|>|<\|end_of_text\|>/g, '').trim();
  const [first = '', ...rest] = cleaned.split(/\r?\n/);
  const verdict = first.trim().toLowerCase();
  if (verdict === 'safe') return { unsafe: false, codes: [] };
  if (verdict !== 'unsafe') {
    throw new VigilModelOutputError(
      `model output: expected 'safe' or 'unsafe' as the first line, received ${JSON.stringify(cleaned.slice(0, 80))}`,
      text,
    );
  }
  const codes: string[] = [];
  for (const match of rest.join(',').matchAll(/\bs\s*(\d{1,3})\b/gi)) {
    const code = `S${Number(match[1])}`;
    if (!codes.includes(code)) codes.push(code);
  }
  return { unsafe: true, codes };
}
