/** `vigil models --help`: its only flag is --help, the page is its actions. */
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
