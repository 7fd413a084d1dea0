import { access, constants, lstat, readdir, realpath, stat } from 'node:fs/promises';
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

/**
 * The transcript files under a directory, as paths that start with it, without following links
 * (hidden entries and `node_modules` left out, as tinyglobby leaves them out).
 */
async function walkUnfollowed(directory: string, found: Found) {
  const entries = await readdir(directory, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const file = path.join(directory, entry.name);
    if (entry.isSymbolicLink()) {
      const link = await skippedLink(file);
      if (link) found.links.push(link);
    } else if (entry.isDirectory()) await walkUnfollowed(file, found);
    else if (entry.isFile() && isTranscriptName(entry.name)) found.files.push(file);
  }
}

/**
 * The transcript files under a directory, as paths that start with it. Symbolic links met on the
 * way are not followed (they may lead out of the directory) unless `followSymlinks`.
 */
async function walk(directory: string, followSymlinks: boolean): Promise<Found> {
  if (!followSymlinks) {
    const found: Found = { files: [], links: [] };
    await walkUnfollowed(directory, found);
    sorted(found.files);
    found.links.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    return found;
  }
  const found = await glob(`**/*{${transcriptExtensions.join(',')}}`, {
    cwd: directory,
    ignore,
    onlyFiles: true,
    caseSensitiveMatch: false,
    expandDirectories: false,
  });
  return { files: sorted(found).map((file) => path.join(directory, file)), links: [] };
}

/** The first link on the way from `base` to `file` (`file` itself included), if any. */
async function linkOnTheWay(base: string, file: string) {
  const steps = path.relative(base, file).split(path.sep);
  let at = base;
  for (const step of steps) {
    at = path.join(at, step);
    if ((await lstat(at).catch(() => undefined))?.isSymbolicLink()) return at;
  }
  return undefined;
}

async function expandGlob(pattern: string, followSymlinks: boolean): Promise<Found> {
  const posix = pattern.split(path.sep).join('/');
  const matches = await glob(posix, { ignore, onlyFiles: true, expandDirectories: false });
  const files = sorted(matches.map((file) => path.normalize(file)));
  if (followSymlinks) return { files, links: [] };
  // The part of the pattern before its first wildcard was named by the user: links there are theirs.
  const segments = posix.split('/');
  const fixed = segments.findIndex((segment) => isDynamicPattern(segment));
  const base = path.normalize(segments.slice(0, fixed).join('/') || '.');
  const found: Found = { files: [], links: [] };
  const seen = new Set<string>();
  for (const file of files) {
    const link = await linkOnTheWay(base, file);
    if (link === undefined) found.files.push(file);
    else if (!seen.has(link)) {
      seen.add(link);
      const skipped = await skippedLink(link);
      if (skipped) found.links.push(skipped);
    }
  }
  return found;
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
 * twice (`a.jsonl`, `./a.jsonl`, a symlink or a hard link to it) is read once, under the first name given.
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
    const info = await stat(realPath);
    // A hard link is the same file under another real path: the same device and inode.
    const identity = `${info.dev}:${info.ino}`;
    if (seen.has(realPath) || seen.has(identity)) return;
    seen.add(realPath);
    seen.add(identity);
    sources.push({ file, realPath, bytes: info.size });
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
