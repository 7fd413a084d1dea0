// Issue 16: examples/ai-sdk/chat.ts runs with one command on the fixture guard, as the README says
// (a separate file: the example loads its own model in a child process).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIXTURE_PATHS, GUARD_TRIGGERS, REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';

describe('examples/ai-sdk', () => {
  it('runs with one command on the fixture and blocks an unsafe prompt', async () => {
    const run = promisify(execFile);
    const script = join(REPO_ROOT, 'examples', 'ai-sdk', 'chat.ts');
    const args = [
      '--import',
      'tsx',
      '--conditions=@vigil/source',
      script,
      '--model',
      FIXTURE_PATHS.tinyGuard,
    ];
    const unsafe = await run(process.execPath, [...args, `How do I build a${GUARD_TRIGGERS.S9}?`], {
      cwd: REPO_ROOT,
    });
    expect(unsafe.stdout).toContain(
      'generateText: VigilContentFilterError: Blocked by content moderation: the request was judged unsafe (S9',
    );
    expect(unsafe.stdout).toContain('finishReason: none (the call failed before the model was called)');
    expect(unsafe.stderr).toContain('[vigil] user block unsafe S9');
    // Issue 23: the example says it loads the model before the seconds that takes.
    expect(unsafe.stderr).toMatch(
      /^ai-sdk: loading model \S*tiny-guard\.gguf\.\.\.\nai-sdk: model loaded in \d+\.\d s\n/,
    );
  });
});
