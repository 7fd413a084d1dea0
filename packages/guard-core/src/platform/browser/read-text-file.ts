import { VigilConfigError } from '../../errors.js';

/** No file system here: fails, naming the way out. */
export async function readTextFile(file: string): Promise<string> {
  throw new VigilConfigError(
    `${file}: there is no file system in this runtime; read the file yourself and pass its text to parsePolicyFile`,
  );
}
