// The code samples of the guides, read from their Markdown so a test can run every one
// (tests/docs-samples.test.ts). A fence says what a sample is after its language:
//
//   ```ts run              TypeScript, run with tsx on the fixture models
//   ```ts typecheck        TypeScript that needs a real download or server: type-checked only
//   ```ts run swap=A:B     run again with the package `A` imported as `B` (e.g. express:express4,
//                          the same code on Express 4 through the workspace's alias)
//   ```sh run [exit=N]     a shell command, run with bash; its exit code must be N (default 0)
//   ```sh background       a long-running command (a server): started, waited for until
//                          `ready=URL` answers (503 means not yet), stopped (SIGTERM) when the
//                          guide's samples are done
//   ```yaml file=NAME      a file the guide's later samples use, written before they run
//
// Fences of other languages (a JSON answer, a table of output) are shown, not run. A TypeScript
// or shell fence without one of the words above is an error: no sample goes untested.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../fixtures/fixture-facts.js';

export const GUIDES_DIR = path.join(REPO_ROOT, 'docs/guide');

export type SampleKind = 'run' | 'typecheck' | 'background' | 'file';

export interface CodeSample {
  /** Where the fence starts, `docs/guide/x.md:12`, for messages. */
  at: string;
  lang: string;
  kind: SampleKind;
  code: string;
  /** `sh run`: the exit code expected. */
  exit: number;
  /** `background`: a URL that answers 200 once the command is ready. */
  ready?: string;
  /** `file`: the file's name. */
  file?: string;
  /** `ts run`: run again with imports of `from` read from `to`. */
  swap?: { from: string; to: string };
}

const runnableLangs = new Set(['ts', 'typescript', 'js', 'sh', 'bash', 'shell']);
const fence = /^(\s*)(`{3,}|~{3,})(\S*)\s*(.*)$/;

/** The samples of one Markdown file, in order. */
export function readSamples(file: string): CodeSample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const samples: CodeSample[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = fence.exec(lines[index] as string);
    if (!open) continue;
    const [, indent = '', marker = '', lang = '', info = ''] = open;
    const start = index;
    const body: string[] = [];
    while (++index < lines.length && !(lines[index] as string).trim().startsWith(marker)) {
      body.push((lines[index] as string).slice(indent.length));
    }
    const at = `${path.relative(REPO_ROOT, file)}:${start + 1}`;
    const sample = parseInfo(at, lang, info, `${body.join('\n')}\n`);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseInfo(at: string, lang: string, info: string, code: string): CodeSample | undefined {
  const words = info.split(/\s+/).filter(Boolean);
  const attributes = new Map(
    words.filter((word) => word.includes('=')).map((word) => word.split('=', 2) as [string, string]),
  );
  const kind = words.find((word): word is SampleKind => ['run', 'typecheck', 'background'].includes(word));
  const file = attributes.get('file');
  if (file) return { at, lang, kind: 'file', code, exit: 0, file };
  if (!kind) {
    if (runnableLangs.has(lang)) {
      throw new Error(`${at}: a ${lang} sample must say how it is tested: run, typecheck or background`);
    }
    return undefined;
  }
  const shell = ['sh', 'bash', 'shell'].includes(lang);
  if (shell ? kind === 'typecheck' : kind === 'background') {
    throw new Error(`${at}: ${lang} samples cannot be "${kind}"`);
  }
  const ready = attributes.get('ready');
  if (kind === 'background' && !ready) throw new Error(`${at}: a background sample needs ready=URL`);
  const [from, to] = attributes.get('swap')?.split(':') ?? [];
  return {
    at,
    lang,
    kind,
    code,
    exit: Number(attributes.get('exit') ?? 0),
    ...(ready ? { ready } : {}),
    ...(from && to ? { swap: { from, to } } : {}),
  };
}

/** Every guide's Markdown file, by name. */
export function guideFiles() {
  return readdirSync(GUIDES_DIR)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => path.join(GUIDES_DIR, name));
}
