import { lstatSync, readdirSync, rmdirSync, type Stats, unlinkSync } from 'node:fs';
import path from 'node:path';

/** The current user's id (undefined where there is none, on Windows). */
export const currentUid = process.getuid?.();

/** Whether `stats` (from `lstat`) belong to the current user. */
export function ownedByCurrentUser(stats: Stats) {
  return currentUid === undefined || stats.uid === currentUid;
}

/**
 * Removes `target` and what it holds, as far as the current user owns it, never following a
 * symbolic link: every entry is looked at with `lstat`; a link is removed itself (its target is
 * never touched), an entry another user owns is left where it is (and so is every directory
 * above it). Never throws: what cannot be removed stays.
 *
 * Call it only on paths in a directory others cannot write (the current user's 0700 directory)
 * or one with the sticky bit (`/dev/shm`, `/tmp`), where no one else can swap an entry checked
 * here for a link before it is removed.
 */
export function removeOwned(target: string) {
  let stats: Stats;
  try {
    stats = lstatSync(target);
  } catch {
    return;
  }
  if (!ownedByCurrentUser(stats)) return;
  try {
    if (stats.isDirectory()) {
      for (const name of readdirSync(target)) removeOwned(path.join(target, name));
      rmdirSync(target);
    } else {
      unlinkSync(target);
    }
  } catch {}
}
