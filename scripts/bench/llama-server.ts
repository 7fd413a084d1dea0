// The native anchor: when LLAMA_SERVER names a llama-server binary, the cold-start benchmark also
// starts it on the same model and times ready (/health answers 200) and one classification (a
// chat completion of one token, the GGUF's own Llama Guard template) as one more variant of its
// interleaved rounds, and the paired-calls benchmark runs Vigil's calls against it through the
// remote engine. How to build one: issue 25.
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

/** Starts `binary` on `modelPath` (threads: the machine's CPUs; a 2,048-token context). */
export function spawnLlamaServer(binary: string, modelPath: string, port: number) {
  const threads = String(Math.max(1, Math.floor(os.availableParallelism())));
  return spawn(binary, ['-m', modelPath, '--port', String(port), '-t', threads, '-c', '2048'], {
    stdio: 'ignore',
  });
}

/** Resolves once `base`'s /health answers 200; throws when the server exits first. */
async function untilReady(server: ReturnType<typeof spawn>, base: string) {
  for (;;) {
    if (server.exitCode !== null) throw new Error(`llama-server exited ${server.exitCode}`);
    const ok = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A llama-server on `modelPath`, ready: its base URL, and `stop()`. */
export async function startLlamaServer(binary: string, modelPath: string) {
  const port = await freePort();
  const server = spawnLlamaServer(binary, modelPath, port);
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilReady(server, url);
  } catch (error) {
    server.kill('SIGTERM');
    throw error;
  }
  return { url, stop: () => server.kill('SIGTERM') };
}

/** Times `binary` on `modelPath`: spawn to ready, and spawn to the end of one classification. */
export async function timeLlamaServer(binary: string, modelPath: string) {
  const port = await freePort();
  const started = performance.now();
  const server = spawnLlamaServer(binary, modelPath, port);
  const base = `http://127.0.0.1:${port}`;
  try {
    await untilReady(server, base);
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
