import { VigilEngineError } from '../../errors.js';
import { propsReplySchema, tokenizeReplySchema } from './completions-protocol.js';
import { AttemptFailure, type HttpSettings, requestJson } from './http-attempt.js';
import type { Replica } from './replica-pool.js';

/** What the first replica that answered says of itself (llama-server's `/props` and `/tokenize`). */
export interface Probe {
  chatTemplate?: string | undefined;
  /** llama-server's BOS text: it answered `/props`, so it adds a BOS to string prompts. */
  bosToken?: string | undefined;
  contextSize?: number | undefined;
  serverTokenizes: boolean;
}

/** Asks replicas in turn for llama-server's `/props` and `/tokenize` until one answers. */
export async function probeServer(
  settings: HttpSettings,
  replicas: readonly Replica[],
  wantTokenize: boolean,
): Promise<Probe> {
  const failures: string[] = [];
  for (const replica of replicas) {
    try {
      const probe: Probe = { serverTokenizes: false };
      try {
        const props = await requestJson(settings, replica.url, '/props', undefined, propsReplySchema);
        probe.chatTemplate = props.chat_template ?? undefined;
        probe.bosToken = props.bos_token ?? undefined;
        probe.contextSize = props.default_generation_settings?.n_ctx ?? undefined;
      } catch (error) {
        if (!(error instanceof AttemptFailure) || error.kind === 'connection' || error.kind === 'timeout')
          throw error;
      }
      if (wantTokenize) {
        try {
          const tokenize = (special: boolean) =>
            requestJson(
              settings,
              replica.url,
              '/tokenize',
              { content: '<|eot_id|>', add_special: false, parse_special: special },
              tokenizeReplySchema,
            );
          const [plain, special] = [await tokenize(false), await tokenize(true)];
          probe.serverTokenizes = plain.tokens.length > 1 && special.tokens.length === 1;
        } catch (error) {
          if (!(error instanceof AttemptFailure) || error.kind === 'connection' || error.kind === 'timeout')
            throw error;
        }
      }
      return probe;
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      failures.push(error.message);
    }
  }
  throw new VigilEngineError(
    `remote engine: cannot reach a server: expected one replica to answer, received: ${failures.join('; ')}`,
  );
}
