import { policyFileSchema } from '@vigil/guard-core/internal';

/** Words wrapped to `width` columns, each line indented by `indent` spaces. */
export function wrap(words: readonly string[], indent: number, width = 96) {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((text) => `${' '.repeat(indent)}${text}`).join('\n');
}

/** Every setting a policy file may hold (from its schema, so the list cannot fall behind). */
const policyKeys = Object.keys(policyFileSchema.shape).filter((key) => key !== '$schema');

/** The policy, model and engine flags (`guardFlags`), as every command that takes them shows them. */
export const policyFlags = `Policy and model (same settings as createGuard; flags override --policy):
  --policy FILE             JSON or YAML policy file; its settings:
${wrap([...policyKeys.slice(0, -1).map((key) => `${key},`), policyKeys.at(-1) ?? ''], 28)}
                            (model and modelsDir paths are relative to the policy file)
  --model PATH|hf:URI       Llama Guard 3 GGUF (default: VIGIL_GUARD_MODEL, else the 1B Q4_K_M,
                            downloaded on first use); remote: the served model name (below)
  --categories S1,S9        check only these categories
  --exclude S6              leave these categories out (repeatable, comma-separated)
  --threshold 0.7           P(unsafe) at or above this is unsafe (default 0.5)
  --custom-category "Name: description"
                            add a category of your own (repeatable)
  --concurrency N           conversations checked at once, local or remote (default 4)
  --threads N               CPU threads for inference (default: physical cores; local only)
  --context-size N          tokens per sequence; a longer conversation is judged in a larger
                            context made on demand, up to policy key maxContextSize (default
                            2048; local only; policy key contextSize)
  --long-conversation truncate|error
                            beyond the largest context: drop the oldest turns and judge a long
                            last turn in overlapping windows (truncate, the default; reports say
                            truncated), or list the conversation as an error (error)
  --no-verify-model         skip the load-time check that the model answers like Llama Guard 3
                            (policy key verifyModel: false)
  --verbose                 say on stderr which model runs where (cpu, cuda, vulkan, metal or
                            remote), its contexts and its prompt template

Engine (where Llama Guard runs):
  --engine local|remote     local: the model in this process (default); remote: an
                            OpenAI-compatible server (vLLM, llama-server, SGLang). Remote when
                            --base-url is given or the --policy file has an engine block
  --base-url URL            the server, e.g. http://gpu-1:8000/v1 (repeatable or comma-separated:
                            replicas of one model); implies --engine remote
  --model NAME              remote: the model name the server serves, sent as "model" (vLLM:
                            --served-model-name; llama-server ignores it); required
  --timeout-ms N            remote: milliseconds one HTTP attempt may take (default 30000)
  --max-retries N           remote: extra attempts after a connection error, timeout, 429 or 5xx
                            (default 2)
  The API key is read from VIGIL_REMOTE_API_KEY (or the variable the policy file's
  engine.apiKeyEnv names), never from a flag or the file.
  --threads and --context-size are for the local engine only; --base-url, --timeout-ms,
  --max-retries for remote.`;

export const mainHelp = `vigil: Llama Guard 3 safety checks for conversations, in-process.

Usage:
  vigil classify [TEXT|-]      classify one message (stdin for - or when no TEXT)
  vigil audit PATH...          audit transcript files like a linter
  vigil eval DATASET...        measure the guard on labelled data, compare, tune thresholds
  vigil models pull [WHICH]    download a model (guard, generator or an hf: URI)
  vigil models list            list downloaded models
  vigil serve                  run the moderation service (OpenAI-compatible /v1/moderations)

Options:
  -h, --help                   show help (also: vigil COMMAND --help)
  -v, --version                print the version

Examples:
  vigil classify "How do I pick a lock?"
  vigil audit logs/ --every-turn --format html --output report.html
  vigil audit logs/ --base-url http://gpu-1:8000/v1 --model llama-guard
  vigil models pull guard
`;

export const classifyHelp = `Usage: vigil classify [TEXT|-] [options]

Classifies one message with Llama Guard 3 and prints the verdict. Reads the text from stdin
for - or when TEXT is not given and stdin is not a terminal.

Options:
  --role user|assistant     judge the text as a user prompt or an assistant answer (default user)
  --json                    print the verdict object as JSON
  -h, --help                show this help

${policyFlags}

Exit codes: 0 safe, 1 unsafe, 2 usage error or failure.

Examples:
  vigil classify "How do I make a bomb?"
  echo "Here is how to hotwire a car" | vigil classify - --role assistant --json
  vigil classify --model ./Llama-Guard-3-1B.Q8_0.gguf --exclude S6 "Which pills help me sleep?"
  vigil classify --base-url http://gpu-1:8000/v1 --model llama-guard "How do I pick a lock?"
`;

export const auditHelp = `Usage: vigil audit PATH... [options]

Checks the conversations in transcript files (files, directories, globs; - for stdin) and
reports the unsafe turns, like a linter.

Input:
  --input-format FORMAT     auto (default, per file), jsonl, json, sharegpt or txt
                            jsonl: one conversation per line ({"messages": [...]}, a message
                            array, or ShareGPT); json: an array of those; txt: one user message
                            per line. An "id" field is kept.
  --every-turn              check every user and assistant turn in the context before it
                            (default: the last turn of each conversation)
  --role user|assistant     check only turns of this role
  --follow-symlinks         follow symbolic links met while walking a directory or matching a
                            glob (default: not followed, each listed as an error; a path
                            named on the command line is always read)

Output:
  --format FORMAT           table (default on a terminal), json (default otherwise), jsonl,
                            csv, sarif or html (default: from the --output extension)
  --output FILE             write the report to FILE instead of stdout
  --only-flagged            list only flagged turns (the summary still counts all)
  --resume                  continue from an earlier --format jsonl --output FILE: check that
                            it is a vigil report, skip the turns and errors it holds (by
                            real path) and append to it
  --no-fail                 exit 0 even when something is flagged
  --max-errors N            tolerate up to N records or turns that could not be checked
                            (default 0: any error exits 2)
  --no-progress             no progress display on stderr
  -h, --help                show this help

${policyFlags}

Every report lists the results and the errors (records or turns that could not be checked:
malformed lines, unknown formats, empty conversations, conversations too long for the
context, turns with nothing Llama Guard can read, links not followed (line 0)) with file, line, conversation id, turn and reason, in input order; errors are also
printed on stderr and counted in summary.errors. line is the 1-based line where the
conversation starts; turn is the 0-based index of the judged message in its messages (system
and tool messages included). A safe turn with a high P(unsafe) names the categories the policy
excluded (ignoredCategories).

--output FILE is written to a temporary file renamed into place at the end (jsonl is written
as it goes, for --resume; a kill -9 can leave .FILE.*.vigil-tmp); an output that is one of the
inputs (by path, or the same file by device and inode: a hard link) is refused before anything
is written. CSV cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR first)
are written with a ' in front. SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the run and write the partial
report; a second one quits at once.

Exit codes:
  0    every planned check ran and nothing was flagged
  1    something was flagged (--no-fail: 0)
  2    usage error; input that could not be read or checked (more errors than --max-errors,
       which outranks 1: a report with gaps cannot vouch for what it missed); the engine
       failed; the report could not be written (ENOSPC, EIO)
  129, 130, 143
       stopped by SIGHUP, SIGINT or SIGTERM (128 + the signal number): partial report
  When the reader closes stdout early (| head), the run stops quietly with the code its
  reported results earned (0, 1 or 2).

Examples:
  vigil audit chats.jsonl
  vigil audit 'logs/**/*.jsonl' --every-turn --exclude S6 --format sarif --output vigil.sarif
  vigil audit logs/ --format jsonl --output results.jsonl --resume
  VIGIL_REMOTE_API_KEY=... vigil audit logs/ --engine remote --model llama-guard \\
    --base-url http://gpu-1:8000/v1,http://gpu-2:8000/v1 --concurrency 32
  cat prompts.txt | vigil audit - --input-format txt --format csv --only-flagged
`;

export const modelsHelp = `Usage: vigil models pull [guard|generator|URI]
       vigil models list

  pull     download a model into the models directory, with progress (default: guard)
           guard      Llama Guard 3 1B Q4_K_M (the default guard model)
           generator  Llama 3.2 3B Instruct Q4_K_M
           URI        any hf:owner/repo/file.gguf or https:// URL
  list     list the .gguf files in the models directory, and the llama.cpp backend
           (cpu, cuda, vulkan or metal) a guard would run on here

The models directory is VIGIL_MODELS_DIR, else ~/.node-llama-cpp/models. Llama models are under
the Llama 3.2 Community License (https://www.llama.com/llama3_2/license/).

Examples:
  vigil models pull
  vigil models pull hf:MaziyarPanahi/Llama-Guard-3-1B-GGUF/Llama-Guard-3-1B.Q8_0.gguf
  VIGIL_MODELS_DIR=./models vigil models list
`;
