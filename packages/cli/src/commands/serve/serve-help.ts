import { guardFlags } from '../../flags/guard-flags.js';
import { policyFlags, wrap } from '../../flags/help.js';
import { modelNameRule } from '../../output/model-name.js';
import { serveEnv } from './serve-options.js';

/** The environment variables of the policy, model and engine flags, from the one table. */
const guardEnv = Object.entries(serveEnv)
  .filter(([flag]) => flag in guardFlags)
  .map(([flag, name]) => `--${flag} ${name}`);

/** `vigil serve --help`. */
export const serveHelp = `Usage: vigil serve [options]

Runs Llama Guard 3 as an HTTP moderation service any language can call:
  POST /v1/moderations      OpenAI's moderation API (the official SDKs work unchanged)
  POST /v1/classify         Vigil's verdicts: { messages } or { conversations: [...] }
  GET  /healthz, /readyz    liveness (from the start); readiness (503 while the model loads
                            and while draining)
  GET  /metrics             Prometheus metrics
With --upstream it is also a guard proxy: /v1/chat/completions, /v1/completions,
/v1/responses and /v1/messages are checked by the guard and forwarded to the upstream.

Every option has an environment variable (in brackets, or listed after the policy flags); a
flag wins over its variable.

Server:
  --port N                  port to listen on (default 8080) [VIGIL_PORT]
  --host HOST               address to listen on (default 127.0.0.1) [VIGIL_HOST]
  --api-key KEY             accepted "Authorization: Bearer KEY" for /v1/* (repeatable)
                            [VIGIL_API_KEYS, comma-separated]; without one, no authentication
  --allow-unauthenticated   serve a non-loopback --host without an API key (refused otherwise)
                            [VIGIL_ALLOW_UNAUTHENTICATED=1]
  --shutdown-timeout-ms N   on SIGTERM/SIGINT, how long in-flight requests may take before
                            connections are cut (default 10000) [VIGIL_SHUTDOWN_TIMEOUT_MS]
  --model-id NAME           the "model" of responses when a request names none [VIGIL_MODEL_ID];
${wrap(`default: the model's name, ${modelNameRule}; logs name the model the same way`.split(' '), 28)}

Limits:
  --max-body-bytes N        larger bodies get 413 (default 1048576) [VIGIL_MAX_BODY_BYTES]
  --max-inputs N            inputs per moderation request, conversations per classify batch
                            (default 32) [VIGIL_MAX_INPUTS]
  --max-input-chars N       characters of text per input (default 32768) [VIGIL_MAX_INPUT_CHARS]
  --request-timeout-ms N    time a request's classifications may take, then 504
                            (default 30000) [VIGIL_REQUEST_TIMEOUT_MS]
  --max-pending N           classifications admitted at once, running or waiting; past it 429
                            with Retry-After (default 256; a proxy call counts as one until
                            its answer is delivered) [VIGIL_MAX_PENDING]

Guard proxy mode:
  --upstream URL            forward the generation routes to this server [VIGIL_UPSTREAM]
                            Upstream key: VIGIL_UPSTREAM_API_KEY (else the client's
                            Authorization is forwarded only when no --api-key is set)
                            Headers sent upstream: an allow-list (content negotiation,
                            authorization, x-api-key, api-key, anthropic-*, openai-*,
                            x-stainless-*, tracing), never one holding an --api-key, never
                            hop-by-hop, Proxy-* or x-vigil-*; X-Forwarded-For gets the peer
                            appended. Upgrade: 400; Expect other than 100-continue: 417
  --forward-header NAME     also forward this request header (repeatable)
                            [VIGIL_FORWARD_HEADERS]
  --mode MODE               block (default), annotate or shadow [VIGIL_MODE]
  --stream-strategy S       buffer (default) or progressive [VIGIL_STREAM_STRATEGY]
  --fail-mode MODE          closed (default: 503 when the guard fails) or open [VIGIL_FAIL_MODE]

Logs (JSON lines on stdout, one per request, no message text unless asked):
  --log-level LEVEL         fatal, error, warn, info (default), debug, trace or silent
                            [VIGIL_LOG_LEVEL]
  --log-content             include the moderated text in request logs (it is sensitive)
                            [VIGIL_LOG_CONTENT=1]
  -h, --help                show this help

${policyFlags}

Their environment variables (--custom-category: entries separated by ;):
${wrap(
  guardEnv.map((item, index) => (index < guardEnv.length - 1 ? `${item},` : item)),
  2,
)}

Images in moderation input are never judged (Llama Guard 3 1B reads text only); results say
so in category_applied_input_types. A guard failure is 503, never "not flagged".

The port is bound before the model loads: a port in use fails at once.

Exit codes: 0 after a graceful shutdown, 1 when --shutdown-timeout-ms cut connections, 2 usage
error or a failure at start (a port in use, a model that cannot load), 130/143 when SIGINT or
SIGTERM came while the model was loading.

Examples:
  vigil serve --model ./Llama-Guard-3-1B.Q4_K_M.gguf --policy policy.yaml
  curl -s localhost:8080/v1/moderations -H 'content-type: application/json' \\
    -d '{"input": "How do I make a bomb?"}'
  VIGIL_API_KEYS=k1,k2 vigil serve --host 0.0.0.0 --port 8080 --max-pending 64
  vigil serve --upstream http://127.0.0.1:8000 --stream-strategy progressive
  vigil serve --base-url http://gpu-1:8000/v1 --model llama-guard --exclude S6
`;
