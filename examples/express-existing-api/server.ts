// An existing Express API (a help-desk bot with a notes route) that gains moderation by adding
// one line: `app.use('/api/chat', vigil({ guard }))`.
// Run: npx tsx --conditions=@vigil/source examples/express-existing-api/server.ts --model ./Llama-Guard-3-1B.Q4_K_M.gguf
import { parseArgs } from 'node:util';
import { createGuard } from '@vigil/guard-core';
import { vigil } from '@vigil/guard-middleware/express';
import express from 'express';

const { values } = parseArgs({ options: { model: { type: 'string' }, mode: { type: 'string' } } });
const model = values.model ?? process.env.VIGIL_GUARD_MODEL;
// Loading takes seconds (tens on a busy machine): say so rather than sit silent.
console.error(
  `express-existing-api: loading model ${model ?? 'Llama Guard 3 1B, downloaded on first use'}...`,
);
const loadStarted = performance.now();
const guard = await createGuard({ model, concurrency: 2 });
console.error(
  `express-existing-api: model loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
);

const app = express();
app.use(express.json());

// The one line that adds moderation (requests and answers, plain and streamed).
app.use(
  '/api/chat',
  vigil({
    guard,
    mode: (values.mode ?? process.env.VIGIL_MODE ?? 'block') as 'block' | 'annotate' | 'shadow',
    onDecision: (decision) =>
      console.log(
        `[vigil] ${decision.role} ${decision.action} ${decision.verdict?.raw.replace('\n', ' ') ?? decision.reason ?? ''}`,
      ),
  }),
);

// --- the existing API, unchanged ---

/** The bot's "model": it repeats the question back inside a canned answer. */
function answer(question: string) {
  return `You asked: "${question}". Our team will get back to you within one business day.`;
}

app.post('/api/chat', (req, res) => {
  const messages: Array<{ role: string; content: string }> = req.body?.messages ?? [];
  const question = messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
  const text = answer(question);
  if (!req.body?.stream) {
    res.json({
      id: 'chatcmpl-helpdesk',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: 'helpdesk-bot',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      // the handler can read the request's verdict (annotate and block modes)
      vigil: res.locals.vigil?.request?.verdict?.safe,
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-helpdesk', object: 'chat.completion.chunk', created: 0, model: 'helpdesk-bot', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const words = text.split(/(?<= )/);
  let index = 0;
  const timer = setInterval(() => {
    if (index < words.length) {
      res.write(chunk({ content: words[index++] }, null));
      return;
    }
    clearInterval(timer);
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  }, 20);
  res.on('close', () => clearInterval(timer));
});

const notes: string[] = [];
app.get('/api/notes', (_req, res) => {
  res.json(notes);
});
app.post('/api/notes', (req, res) => {
  notes.push(String(req.body?.text ?? ''));
  res.status(201).json({ count: notes.length });
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, process.env.HOST ?? '127.0.0.1', () =>
  console.log(`express-existing-api: http://127.0.0.1:${port}/api/chat (guarded), /api/notes (not guarded)`),
);
const stop = async () => {
  server.close();
  await guard.dispose();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
