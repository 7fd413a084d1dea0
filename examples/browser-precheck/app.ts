// The page: a chat box whose text a guard in a web worker checks before it is "sent" (here:
// added to the log). Query parameters: `model` (a folder under /models/, or a Hugging Face id),
// `device` (`webgpu` or `wasm`), `dtype`, `remote=1` to allow downloading a Hub model.
import type { Verdict } from '@vigil/guard-core';

interface PageElements {
  progress: { value: number; max: number; removeAttribute(name: string): void };
  status: { textContent: string | null };
  log: { append(node: unknown): void };
  text: { value: string; disabled: boolean; focus(): void };
  send: { disabled: boolean };
  chat: { addEventListener(type: 'submit', listener: (event: { preventDefault(): void }) => void): void };
  verdict: { hidden: boolean; className: string; textContent: string | null };
}

interface Page {
  document: {
    getElementById(id: string): unknown;
    createElement(tag: string): { className: string; textContent: string | null };
  };
  location: { search: string };
  navigator: { gpu?: { requestAdapter(): Promise<{ features: { has(name: string): boolean } } | null> } };
  Worker: new (
    url: string,
    options: { type: 'module' },
  ) => {
    postMessage(message: unknown): void;
    onmessage: ((event: { data: WorkerMessage }) => void) | null;
  };
  precheck?: unknown;
}

type WorkerMessage =
  | { type: 'progress'; file: string; loaded: number; total: number; done: boolean }
  | { type: 'ready'; loadMs: number; model: string }
  | { type: 'verdict'; id: number; verdict: Verdict; ms: number }
  | { type: 'error'; id?: number; message: string };

const page = globalThis as unknown as Page;
const element = <K extends keyof PageElements>(id: K) => page.document.getElementById(id) as PageElements[K];
const params = new URLSearchParams(page.location.search);
const model = params.get('model') ?? 'tiny-guard-keep';

/** WebGPU with q4f16 where the adapter has `shader-f16` (a Hub model), else WASM with the model's own dtype. */
async function chooseBackend(): Promise<{ device: 'webgpu' | 'wasm'; dtype?: string }> {
  const device = params.get('device');
  const dtype = params.get('dtype') ?? undefined;
  if (device === 'webgpu' || device === 'wasm') return { device, dtype };
  const adapter = await page.navigator.gpu?.requestAdapter().catch(() => null);
  if (adapter?.features.has('shader-f16') && model.includes('/'))
    return { device: 'webgpu', dtype: dtype ?? 'q4f16' };
  return { device: 'wasm', dtype };
}

const worker = new page.Worker('/worker.js', { type: 'module' });
const pending = new Map<
  number,
  { resolve(value: { verdict: Verdict; ms: number }): void; reject(error: Error): void }
>();
const files = new Map<string, { loaded: number; total: number }>();
let nextId = 1;
let markReady: (info: { loadMs: number; model: string }) => void = () => {};
let markFailed: (error: Error) => void = () => {};
const ready = new Promise<{ loadMs: number; model: string }>((resolve, reject) => {
  markReady = resolve;
  markFailed = reject;
});

worker.onmessage = ({ data }) => {
  switch (data.type) {
    case 'progress': {
      files.set(data.file, { loaded: data.loaded, total: data.total });
      const totals = [...files.values()].reduce(
        (sum, file) => ({ loaded: sum.loaded + file.loaded, total: sum.total + file.total }),
        {
          loaded: 0,
          total: 0,
        },
      );
      if (totals.total > 0) element('progress').value = totals.loaded / totals.total;
      element('status').textContent =
        `Loading ${data.file}: ${(data.loaded / 1e6).toFixed(1)} of ${(data.total / 1e6).toFixed(1)} MB`;
      break;
    }
    case 'ready':
      element('progress').value = 1;
      element('status').textContent =
        `Model ready in ${(data.loadMs / 1000).toFixed(1)} s. Messages are checked here before they are sent.`;
      element('text').disabled = false;
      element('send').disabled = false;
      markReady(data);
      break;
    case 'verdict':
      pending.get(data.id)?.resolve({ verdict: data.verdict, ms: data.ms });
      pending.delete(data.id);
      break;
    case 'error':
      if (data.id === undefined) {
        element('status').textContent = `The model did not load: ${data.message}`;
        markFailed(new Error(data.message));
      } else {
        pending.get(data.id)?.reject(new Error(data.message));
        pending.delete(data.id);
      }
      break;
    default:
      data satisfies never;
  }
};

function classify(text: string) {
  const id = nextId++;
  return new Promise<{ verdict: Verdict; ms: number }>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ type: 'classify', id, text });
  });
}

function showVerdict({ verdict, ms }: { verdict: Verdict; ms: number }) {
  const box = element('verdict');
  box.hidden = false;
  box.className = verdict.safe ? 'safe' : 'unsafe';
  const score =
    verdict.unsafeProbability === null ? '' : `, P(unsafe) ${verdict.unsafeProbability.toFixed(3)}`;
  const categories = verdict.categories.map((category) => `${category.code} ${category.name}`).join(', ');
  box.textContent = verdict.safe
    ? `Safe: sent (${ms} ms${score}).`
    : `Not sent: unsafe (${categories}${score}, ${ms} ms).`;
}

element('chat').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = element('text');
  const text = input.value.trim();
  if (!text) return;
  element('send').disabled = true;
  try {
    const result = await classify(text);
    showVerdict(result);
    if (result.verdict.safe) {
      const line = page.document.createElement('div');
      line.className = 'sent';
      line.textContent = text;
      element('log').append(line);
      input.value = '';
    }
  } catch (error) {
    element('status').textContent = `The check failed: ${(error as Error).message}`;
  } finally {
    element('send').disabled = false;
    input.focus();
  }
});

chooseBackend().then((backend) => {
  element('status').textContent = `Loading ${model} on ${backend.device}…`;
  worker.postMessage({ type: 'load', model, ...backend, remote: params.get('remote') === '1' });
});

/** For tests and the console: wait for the model, classify without the form. */
page.precheck = { ready, classify };
