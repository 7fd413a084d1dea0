import { access, constants, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { VigilInputError } from '@vigil/guard-core';
import type { TranscriptSource } from './transcript-types.js';

/** Extensions a directory walk picks up. */
export const transcriptExtensions = ['.jsonl', '.ndjson', '.json', '.txt'];

const globChars = /[*?[{]/;

/** Turns a glob (`*`, `**`, `?`, `[abc]`, `{a,b}`) into a regular expression over `/` paths. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index] as string;
    if (char === '*' && glob[index + 1] === '*') {
      const slash = glob[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', index);
      source += end === -1 ? '\\[' : `[${glob.slice(index + 1, end).replace(/^!/, '^')}]`;
      index = end === -1 ? index : end;
    } else if (char === '{') {
      const end = glob.indexOf('}', index);
      const options = glob.slice(index + 1, end).split(',');
      source += end === -1 ? '\\{' : `(?:${options.map(escapeRegExp).join('|')})`;
      index = end === -1 ? index : end;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string) {
  return text.replace(/[.+^$()|\\\]}]/g, '\\$&');
}

async function* walk(directory: string): AsyncGenerator<string> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[\\/]/);
  const firstGlob = parts.findIndex((part) => globChars.test(part));
  const base = parts.slice(0, firstGlob).join('/') || '.';
  const matcher = globToRegExp(parts.slice(firstGlob).join('/'));
  const files: string[] = [];
  const info = await stat(base).catch(() => undefined);
  if (!info?.isDirectory()) return files;
  for await (const file of walk(base)) {
    const relative = path.relative(base, file).split(path.sep).join('/');
    if (matcher.test(relative)) files.push(base === '.' ? relative : path.join(base, relative));
  }
  return files;
}

/**
 * Expands the paths given to `vigil audit`: files as they are, directories walked for transcript
 * files (`.jsonl`, `.ndjson`, `.json`, `.txt`), globs matched, `-` for standard input.
 * @throws VigilInputError for a path that does not exist, cannot be read or matches nothing.
 */
export async function expandPaths(patterns: readonly string[]): Promise<TranscriptSource[]> {
  const sources: TranscriptSource[] = [];
  const seen = new Set<string>();
  const add = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (file === '-') return void sources.push({ file });
    await access(file, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new VigilInputError(
        `cannot read '${file}': ${error.code === 'EACCES' ? 'permission denied' : error.message}`,
      );
    });
    sources.push({ file, bytes: (await stat(file)).size });
  };
  for (const pattern of patterns) {
    const info = pattern === '-' ? undefined : await stat(pattern).catch(() => undefined);
    if (pattern === '-' || info?.isFile()) await add(pattern);
    else if (info?.isDirectory()) {
      let found = 0;
      for await (const file of walk(pattern)) {
        if (!transcriptExtensions.includes(path.extname(file).toLowerCase())) continue;
        found++;
        await add(file);
      }
      if (found === 0) {
        throw new VigilInputError(
          `'${pattern}': expected a directory holding ${transcriptExtensions.join(', ')} files, received none`,
        );
      }
    } else if (globChars.test(pattern)) {
      const files = await expandGlob(pattern);
      if (files.length === 0) throw new VigilInputError(`'${pattern}': no files match this pattern`);
      for (const file of files) await add(file);
    } else throw new VigilInputError(`cannot read '${pattern}': no such file or directory`);
  }
  return sources;
}
