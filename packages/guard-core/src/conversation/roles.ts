import type { JudgedRole } from './types.js';

/** What a message's role is to Llama Guard: a judged role, or a message left out. */
export type RoleKind = JudgedRole | 'ignored';

const roleKinds: Readonly<Record<string, RoleKind>> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  agent: 'assistant',
  ai: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  gpt: 'assistant',
  system: 'ignored',
  developer: 'ignored',
  tool: 'ignored',
  function: 'ignored',
  ipython: 'ignored',
};

/** The role names accepted, for error messages. */
export const acceptedRoles =
  'user, assistant, system, developer or tool (any case; aliases: human for user; ai, bot, model, gpt, agent for assistant; function, ipython for tool)';

/**
 * The kind of a role as upstream chat servers read it: matched case-insensitively (and trimmed),
 * with the common aliases mapped (`human` is a user; `ai`, `bot`, `model`, `gpt`, `agent` are an
 * assistant). `undefined` for a role Vigil does not know: callers reject it, never skip it.
 * @example
 * roleKind('Human'); // 'user'
 * roleKind('System'); // 'ignored'
 * roleKind('robot'); // undefined
 */
export function roleKind(role: string): RoleKind | undefined {
  const name = role.trim().toLowerCase();
  return Object.hasOwn(roleKinds, name) ? roleKinds[name] : undefined;
}
