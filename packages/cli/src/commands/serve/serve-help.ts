import { guardFlags, guardHelpSections } from '../../flags/guard-flags.js';
import { renderHelp, wrap } from '../../flags/render-help.js';
import { serveFlags } from './serve-options.js';

/** The environment variables of the policy, model and engine flags (listed after them). */
const guardEnv = Object.entries(serveFlags)
  .filter(([flag, definition]) => flag in guardFlags && 'env' in definition)
  .map(([flag, definition]) => `--${flag} ${'env' in definition ? definition.env : ''}`);

/** `vigil serve --help`, generated from {@link serveFlags}. */
export const serveHelp = renderHelp({
  usage: 'Usage: vigil serve [options]',
  intro: `Runs Llama Guard 3 as an HTTP moderation service any language can call:
  POST /v1/moderations      OpenAI's moderation API (the official SDKs work unchanged)
  POST /v1/classify         Vigil's verdicts: { messages } or { conversations: [...] }
  GET  /healthz, /readyz    liveness (from the start); readiness (503 while the model loads
                            and while draining)
  GET  /metrics             Prometheus metrics
With --upstream it is also a guard proxy: /v1/chat/completions, /v1/completions,
/v1/responses and /v1/messages are checked by the guard and forwarded to the upstream.

Every option has an environment variable (in brackets, or listed after the policy flags); a
flag wins over its variable.`,
  table: serveFlags,
  sections: [
    { id: 'server', title: 'Server:', env: true },
    { id: 'limits', title: 'Limits:', env: true },
    { id: 'proxy', title: 'Guard proxy mode:', env: true },
    {
      id: 'logs',
      title: 'Logs (JSON lines on stdout, one per request, no message text unless asked):',
      env: true,
    },
    ...guardHelpSections,
  ],
  outro: `Their environment variables (--custom-category: entries separated by ;):
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
  vigil serve --base-url http://gpu-1:8000/v1 --model llama-guard --exclude S6`,
});
