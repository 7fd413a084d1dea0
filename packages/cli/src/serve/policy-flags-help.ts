/**
 * The policy, model and engine flags as `vigil serve --help` shows them: the same flags as
 * `classify` and `audit` (`guardFlags`), with the environment variable of each.
 */
export const policyFlagsHelp = `Policy and model (same settings as createGuard; flags override --policy):
  --policy FILE             JSON or YAML policy file, validated at start (file:line errors)
                            [VIGIL_POLICY]
  --model PATH|hf:URI       Llama Guard 3 GGUF (default: the 1B Q4_K_M, downloaded on first
                            use); remote: the served model name [VIGIL_GUARD_MODEL]
  --categories S1,S9        check only these categories [VIGIL_CATEGORIES]
  --exclude S6              leave these categories out (repeatable, comma-separated)
                            [VIGIL_EXCLUDE]
  --threshold 0.7           P(unsafe) at or above this is unsafe (default 0.5) [VIGIL_THRESHOLD]
  --custom-category "Name: description"
                            add a category of your own (repeatable)
                            [VIGIL_CUSTOM_CATEGORIES, separated by ;]
  --concurrency N           conversations checked at once (default 4) [VIGIL_CONCURRENCY]
  --threads N               CPU threads for inference (local only) [VIGIL_THREADS]

Engine (where Llama Guard runs):
  --engine local|remote     local: the model in this process (default); remote: an
                            OpenAI-compatible server (vLLM, llama-server) [VIGIL_ENGINE]
  --base-url URL            remote server(s), comma-separated replicas [VIGIL_BASE_URL]
  --timeout-ms N            remote: milliseconds per HTTP attempt (default 30000)
                            [VIGIL_REMOTE_TIMEOUT_MS]
  --max-retries N           remote: extra attempts (default 2) [VIGIL_REMOTE_MAX_RETRIES]
  The remote engine's API key is read from VIGIL_REMOTE_API_KEY, never from a flag.`;
