// A process that holds a guard on the tiny fixture (its state cache on) and a timer, for the
// signal tests (issue 24 item 19). `argv[2]` is the application's own signal handling:
// `none`; `drain` (waits, prints `drained`, exits 128 + n, the guard left undisposed); `re-raise`
// (waits, then raises the signal again with no handler of its own left). Prints one JSON line
// `{ ready, listeners }` once a verdict is in.
import { constants } from 'node:os';
import { createTinyGuard } from './tiny-guard.js';

const mode = process.argv[2] ?? 'none';
const guard = await createTinyGuard({ stateCacheBytes: 64 * 1024 ** 2 });
const words = Array.from({ length: 120 }, (_, index) => `word${index}`).join(' ');
await guard.classify([{ role: 'user', content: `Please summarise these notes: ${words}` }]);
setInterval(() => {}, 1000);

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  if (mode === 'drain') {
    process.once(signal, () =>
      setTimeout(() => {
        console.log('drained');
        process.exit(128 + constants.signals[signal]);
      }, 300),
    );
  } else if (mode === 're-raise') {
    process.once(signal, () => setTimeout(() => process.kill(process.pid, signal), 300));
  }
}
console.log(JSON.stringify({ ready: true, listeners: process.listenerCount('SIGTERM') }));
