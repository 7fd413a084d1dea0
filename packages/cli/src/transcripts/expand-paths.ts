import { access, constants, lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { VigilInputError } from '@vigil/guard-core';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { SkippedLink, TranscriptSource } from './transcript-types.js';

/** Extensions a directory walk picks up. */
export const transcriptExtensions = ['.jsonl', '.ndjson', '.json', '.txt'];

/** Files and directories a walk or glob leaves out: hidden ones and `node_modules`. */
const ignore = ['**/node_modules/**'];

/** Paths sorted the same way on every system (by UTF-16 code units, not locale). */
function sorted(files: string[]) {
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const isTranscriptName = (file: string) => transcriptExtensions.includes(path.extname(file).toLowerCase());

/** What a walk found: files to read, and links it did not follow. */
interface Found {
  files: string[];
  links: SkippedLink[];
}

/** A link a walk met: skipped when it would lead to transcripts (a directory, or a transcript name). */
async function skippedLink(link: string): Promise<SkippedLink | undefined> {
  const target = await stat(link).catch(() => undefined);
  if (!target?.isDirectory() && !isTranscriptName(link)) return undefined;
  const realPath = await realpath(link).catch(() => path.resolve(link));
  return { file: link, realPath };
}

/** Sorts the matches of a walk or glob into regular files and links (which are not followed). */
async function sortOut(matches: string[], accept: (file: string) => boolean): Promise<Found> {
  const found: Found = { files: [], links: [] };
  for (const file of sorted(matches)) {
    const info = await lstat(file).catch(() => undefined);
    if (info?.isSymbolicLink()) {
      const link = await skippedLink(file);
      if (link) found.links.push(link);
    } else if (info?.isFile() && accept(file)) found.files.push(file);
  }
  return found;
}

/**
 * The transcript files under a directory, as paths that start with it. Symbolic links met on the
 * way are not followed (they may lead out of the directory) unless `followSymlinks`.
 */
async function walk(directory: string, followSymlinks: boolean): Promise<Found> {
  if (followSymlinks) {
    const found = await glob(`**/*{${transcriptExtensions.join(',')}}`, {
      cwd: directory,
      ignore,
      onlyFiles: true,
      caseSensitiveMatch: false,
      expandDirectories: false,
    });
    return { files: sorted(found).map((file) => path.join(directory, file)), links: [] };
  }
  // Unfollowed, a link (to a file or a directory) is listed as a file: sorted out by lstat.
  const found = await glob('**/*', {
    cwd: directory,
    ignore,
    onlyFiles: true,
    followSymbolicLinks: false,
    expandDirectories: false,
  });
  return sortOut(
    found.map((file) => path.join(directory, file)),
    isTranscriptName,
  );
}

async function expandGlob(pattern: string, followSymlinks: boolean): Promise<Found> {
  const found = await glob(pattern.split(path.sep).join('/'), {
    ignore,
    onlyFiles: true,
    expandDirectories: false,
    followSymbolicLinks: followSymlinks,
  });
  const files = found.map((file) => path.normalize(file));
  return followSymlinks ? { files: sorted(files), links: [] } : sortOut(files, () => true);
}

export interface ExpandPathsOptions {
  /** Follow symbolic links met while walking a directory or matching a glob. Defaults to `false`. */
  followSymlinks?: boolean | undefined;
  /** Each link a walk or glob met and did not follow, in order (to report: it was not checked). */
  onSkippedLink?: ((link: SkippedLink) => void) | undefined;
}

/**
 * Expands the paths given to `vigil audit`, in the order given: files as they are, directories
 * walked for transcript files (`.jsonl`, `.ndjson`, `.json`, `.txt`), globs matched with
 * tinyglobby (`*`, `**`, `?`, `[abc]`, `{a,b}`; sorted), `-` for standard input. A file reached
 * twice (`a.jsonl`, `./a.jsonl`, a symlink to it) is read once, under the first name given.
 * A path named as it is (a symlink too) is the caller's choice and read; links met while walking
 * a directory or matching a glob are not followed (`onSkippedLink` hears of each one that leads
 * to a directory or a transcript name) unless `followSymlinks`.
 * @throws VigilInputError for a path that does not exist, cannot be read or matches nothing.
 */
export async function expandPaths(
  patterns: readonly string[],
  options: ExpandPathsOptions = {},
): Promise<TranscriptSource[]> {
  const follow = options.followSymlinks === true;
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
      const { files, links } = await walk(pattern, follow);
      for (const link of links) options.onSkippedLink?.(link);
      if (files.length === 0 && links.length === 0) {
        throw new VigilInputError(
          `'${pattern}': expected a directory holding ${transcriptExtensions.join(', ')} files, received none`,
        );
      }
      for (const file of files) await add(file);
    } else if (isDynamicPattern(pattern)) {
      const { files, links } = await expandGlob(pattern, follow);
      for (const link of links) options.onSkippedLink?.(link);
      if (files.length === 0 && links.length === 0)
        throw new VigilInputError(`'${pattern}': no files match this pattern`);
      for (const file of files) await add(file);
    } else if (info) throw new VigilInputError(`cannot read '${pattern}': not a file or directory`);
    else throw new VigilInputError(`cannot read '${pattern}': no such file or directory`);
  }
  return sources;
}
