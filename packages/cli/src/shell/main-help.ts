/** `vigil --help` (and what `vigil` alone prints on stderr). */
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
