// The native anchor: when LLAMA_SERVER names a llama-server binary, the cold-start benchmark also
// starts it on the same model and times ready (/health answers 200) and one classification (a
// chat completion of one token, the GGUF's own Llama Guard template) as one more variant of its
// interleaved rounds. How to build one: issue 25.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import { round } from './workload.js';

async function freePort() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Times `binary` on `modelPath`: spawn to ready, and spawn to the end of one classification. */
export async function timeLlamaServer(binary: string, modelPath: string) {
  const port = await freePort();
  const threads = String(Math.max(1, Math.floor(os.availableParallelism())));
  const started = performance.now();
  const server = spawn(binary, ['-m', modelPath, '--port', String(port), '-t', threads, '-c', '2048'], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (server.exitCode !== null) throw new Error(`llama-server exited ${server.exitCode}`);
      const ok = await fetch(`${base}/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const readyMs = performance.now() - started;
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], max_tokens: 1, temperature: 0 }),
    });
    await response.text();
    const totalMs = performance.now() - started;
    if (!response.ok) throw new Error(`llama-server answered ${response.status}`);
    return { ready_ms: round(readyMs, 0), total_ms: round(totalMs, 0) };
  } finally {
    server.kill('SIGTERM');
  }
}
