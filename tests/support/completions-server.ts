// A loopback server that speaks the OpenAI-compatible `/v1/completions` protocol for real: it
// runs a GGUF model through node-llama-cpp (greedy decoding, top logprobs from the model's full
// next-token distribution), in either of the two reply shapes servers use: llama-server's
// (`logprobs.content[]`, plus its `/tokenize` and `/props`) or the legacy OpenAI one vLLM sends
// (`tokens` / `token_logprobs` / `top_logprobs` maps; no `/tokenize`, no `/props`). Faults can be
// queued to test retries, timeouts and malformed replies.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LlamaContext, LlamaModel, Token } from 'node-llama-cpp';

export type ServerStyle = 'llama-server' | 'openai';

/** What the next completion request gets instead of (or before) a normal reply. */
export interface Fault {
  /** Reply with this HTTP status and `body`. */
  status?: number;
  /** The raw body to send (with `status`, or 200). */
  body?: string;
  /** Extra headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** Wait this long first (then reply normally unless `status`/`body` say otherwise). */
  delayMs?: number;
  /** Drop the connection without a reply. */
  destroy?: boolean;
}

export interface CompletionsServerOptions {
  model: LlamaModel;
  style: ServerStyle;
  /** Send no logprobs at all (a server without logprobs support). Defaults to `false`. */
  logprobs?: boolean;
  threads?: number;
}

export interface CompletionsServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request's path and JSON body, in order. */
  readonly requests: { path: string; body: unknown }[];
  /** Consumed one per `/v1/completions` request; `alwaysFail` applies when the queue is empty. */
  readonly faults: Fault[];
  alwaysFail: Fault | undefined;
  close(): Promise<void>;
}

interface CompletionBody {
  prompt: string | number[];
  max_tokens?: number;
  logprobs?: number;
  add_special_tokens?: boolean;
}

const lowest = -3.4028234663852886e38;

function topK(probabilities: ReadonlyMap<Token, number>, k: number) {
  const top: [Token, number][] = [];
  for (const entry of probabilities) {
    if (top.length < k) {
      top.push(entry);
      top.sort((a, b) => b[1] - a[1]);
    } else if (entry[1] > (top[k - 1] as [Token, number])[1]) {
      top[k - 1] = entry;
      top.sort((a, b) => b[1] - a[1]);
    }
  }
  return top;
}

const logOf = (probability: number) => (probability > 0 ? Math.log(probability) : lowest);

async function readBody(request: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Starts the server on a random loopback port. */
export async function startCompletionsServer(options: CompletionsServerOptions): Promise<CompletionsServer> {
  const { model, style } = options;
  const context: LlamaContext = await model.createContext({
    contextSize: 2048,
    sequences: 1,
    threads: options.threads ?? 2,
  });
  const sequence = context.getSequence();
  let queue: Promise<unknown> = Promise.resolve();
  const requests: { path: string; body: unknown }[] = [];
  const faults: Fault[] = [];
  const bos = model.tokens.bos as Token;

  async function complete(body: CompletionBody) {
    const prompt: Token[] =
      typeof body.prompt === 'string'
        ? [
            // llama-server always adds the model's BOS to a string prompt; vLLM unless told not to.
            ...(style === 'llama-server' || body.add_special_tokens !== false ? [bos] : []),
            ...model.tokenize(body.prompt, true),
          ]
        : (body.prompt as Token[]);
    const maxTokens = body.max_tokens ?? 16;
    const k = body.logprobs ?? 0;
    let common = 0;
    const held = sequence.contextTokens;
    while (common < held.length && common < prompt.length - 1 && held[common] === prompt[common]) common++;
    await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }]);
    const steps: { token: Token; text: string; logprob: number; top: [Token, number][] }[] = [];
    let input: Token[] = prompt.slice(common);
    let finish = 'length';
    while (steps.length < maxTokens) {
      const items = [
        ...input.slice(0, -1),
        [input.at(-1) as Token, { generateNext: { probabilities: true } }],
      ] as Parameters<typeof sequence.controlledEvaluate>[0];
      const results = await sequence.controlledEvaluate(items);
      const probabilities = results.at(-1)?.next?.probabilities as ReadonlyMap<Token, number>;
      const [best] = topK(probabilities, 1);
      const token = (best as [Token, number])[0];
      if (model.isEogToken(token)) {
        finish = 'stop';
        break;
      }
      steps.push({
        token,
        text: model.detokenize([token], true),
        logprob: logOf(probabilities.get(token) ?? 0),
        top: k > 0 ? topK(probabilities, k) : [],
      });
      input = [token];
    }
    const text = steps.map((step) => step.text).join('');
    const usage = {
      prompt_tokens: prompt.length,
      completion_tokens: steps.length,
      prompt_tokens_details: { cached_tokens: common },
    };
    let logprobs: unknown = null;
    if (k > 0 && options.logprobs !== false) {
      const piece = (token: Token) => model.detokenize([token], true);
      logprobs =
        style === 'llama-server'
          ? {
              content: steps.map((step) => ({
                id: step.token,
                token: step.text,
                logprob: step.logprob,
                top_logprobs: step.top.map(([id, p]) => ({ id, token: piece(id), logprob: logOf(p) })),
              })),
            }
          : {
              tokens: steps.map((step) => step.text),
              token_logprobs: steps.map((step) => step.logprob),
              top_logprobs: steps.map((step) =>
                Object.fromEntries(step.top.map(([id, p]) => [piece(id), logOf(p)])),
              ),
              text_offset: steps.map(() => 0),
            };
    }
    return {
      id: `cmpl-${requests.length}`,
      object: 'text_completion',
      model: 'fixture',
      choices: [{ index: 0, text, logprobs, finish_reason: finish }],
      usage,
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const path = request.url ?? '/';
    const body =
      request.method === 'POST' ? ((await readBody(request)) as Record<string, unknown>) : undefined;
    requests.push({ path, body });
    if (path === '/v1/completions' && request.method === 'POST') {
      const fault = faults.shift() ?? server.alwaysFail;
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault?.destroy) {
        request.socket.destroy();
        return;
      }
      if (fault?.status !== undefined || fault?.body !== undefined) {
        send(
          response,
          fault.status ?? 200,
          fault.body ?? { error: { message: 'injected fault' } },
          fault.headers,
        );
        return;
      }
      if (response.destroyed) return;
      const reply = queue.then(() => complete(body as unknown as CompletionBody));
      queue = reply.catch(() => undefined);
      send(response, 200, await reply);
      return;
    }
    if (style === 'llama-server' && path === '/tokenize' && request.method === 'POST') {
      const content = String(body?.content ?? '');
      const tokens = [
        ...(body?.add_special === true ? [bos] : []),
        ...model.tokenize(content, body?.parse_special !== false),
      ];
      send(response, 200, { tokens });
      return;
    }
    if (style === 'llama-server' && path === '/props' && request.method === 'GET') {
      send(response, 200, {
        chat_template: model.fileInfo.metadata.tokenizer?.chat_template ?? '',
        default_generation_settings: { n_ctx: context.contextSize },
        bos_token: '<|begin_of_text|>',
      });
      return;
    }
    send(response, 404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
  }

  const http = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) send(response, 500, { error: { message: error.message } });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const server: CompletionsServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    alwaysFail: undefined,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await queue.catch(() => undefined);
      await context.dispose();
    },
  };
  return server;
}
