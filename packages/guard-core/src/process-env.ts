/**
 * The environment variables where the runtime has them (Node, Bun, Deno's Node compatibility);
 * an empty object in browsers and edge runtimes without `process`.
 */
export function processEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}
