import { access, constants, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { VigilInputError } from '@vigil/guard-core';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { TranscriptSource } from './transcript-types.js';

/** Extensions a directory walk picks up. */
export const transcriptExtensions = ['.jsonl', '.ndjson', '.json', '.txt'];

/** Files and directories a walk or glob leaves out: hidden ones and `node_modules`. */
const ignore = ['**/node_modules/**'];

/** Paths sorted the same way on every system (by UTF-16 code units, not locale). */
function sorted(files: string[]) {
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The transcript files under a directory, as paths that start with it. */
async function walk(directory: string) {
  const found = await glob(`**/*{${transcriptExtensions.join(',')}}`, {
    cwd: directory,
    ignore,
    onlyFiles: true,
    caseSensitiveMatch: false,
    expandDirectories: false,
  });
  return sorted(found).map((file) => path.join(directory, file));
}

async function expandGlob(pattern: string) {
  const found = await glob(pattern.split(path.sep).join('/'), {
    ignore,
    onlyFiles: true,
    expandDirectories: false,
  });
  return sorted(found).map((file) => path.normalize(file));
}

/**
 * Expands the paths given to `vigil audit`, in the order given: files as they are, directories
 * walked for transcript files (`.jsonl`, `.ndjson`, `.json`, `.txt`), globs matched with
 * tinyglobby (`*`, `**`, `?`, `[abc]`, `{a,b}`; sorted), `-` for standard input. A file reached
 * twice (`a.jsonl`, `./a.jsonl`, a symlink to it) is read once, under the first name given.
 * @throws VigilInputError for a path that does not exist, cannot be read or matches nothing.
 */
export async function expandPaths(patterns: readonly string[]): Promise<TranscriptSource[]> {
  const sources: TranscriptSource[] = [];
  const seen = new Set<string>();
  const add = async (file: string) => {
    if (file === '-') {
      if (!seen.has('-')) sources.push({ file, realPath: '-' });
      seen.add('-');
      return;
    }
    await access(file, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new VigilInputError(
        `cannot read '${file}': ${error.code === 'EACCES' ? 'permission denied' : error.message}`,
      );
    });
    const realPath = await realpath(file);
    if (seen.has(realPath)) return;
    seen.add(realPath);
    sources.push({ file, realPath, bytes: (await stat(realPath)).size });
  };
  for (const pattern of patterns) {
    const info = pattern === '-' ? undefined : await stat(pattern).catch(() => undefined);
    if (pattern === '-' || info?.isFile()) await add(pattern);
    else if (info?.isDirectory()) {
      const files = await walk(pattern);
      if (files.length === 0) {
        throw new VigilInputError(
          `'${pattern}': expected a directory holding ${transcriptExtensions.join(', ')} files, received none`,
        );
      }
      for (const file of files) await add(file);
    } else if (isDynamicPattern(pattern)) {
      const files = await expandGlob(pattern);
      if (files.length === 0) throw new VigilInputError(`'${pattern}': no files match this pattern`);
      for (const file of files) await add(file);
    } else if (info) throw new VigilInputError(`cannot read '${pattern}': not a file or directory`);
    else throw new VigilInputError(`cannot read '${pattern}': no such file or directory`);
  }
  return sources;
}
