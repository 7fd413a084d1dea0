import { readFile } from 'node:fs/promises';

/** A UTF-8 file's text; rejects with Node's error (`code` `ENOENT`, ...). */
export function readTextFile(file: string): Promise<string> {
  return readFile(file, 'utf8');
}
