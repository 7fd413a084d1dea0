import { VigilInputError } from '@vigil/guard-core';
import { type DatasetSpec, FieldError } from './dataset-spec.js';
import type { EvalExample, EvalSkip } from './eval-types.js';
import { readRecords } from './read-records.js';

/**
 * Reads labelled examples from a dataset file with a spec (a preset or the generic fields).
 * Every bad row (malformed JSON, no text, a label value it cannot read) comes out as an `invalid`
 * skip with file:line and the field, a row with no label as `unlabelled`: counted and listed, never
 * dropped, and the run goes on. Only a file that is not what the spec reads stops with an error.
 * @throws VigilInputError naming file:line, for a file of another kind or one that cannot be read.
 * @example
 * for await (const item of readDataset('xstest.csv', presetSpec('xstest', undefined))) console.log(item);
 */
export async function* readDataset(
  file: string,
  spec: DatasetSpec,
): AsyncGenerator<EvalExample | (EvalSkip & { kind: 'invalid' | 'unlabelled' })> {
  let checked = false;
  try {
    for await (const record of readRecords(file)) {
      if (record.kind === 'problem') {
        yield { file, line: record.line, kind: 'invalid', message: record.message };
        continue;
      }
      if (!checked) {
        const problem = spec.check(record.fields);
        if (problem) throw new VigilInputError(`${file}:${record.line}: ${problem}`);
        checked = true;
      }
      let read: ReturnType<DatasetSpec['read']>;
      try {
        read = spec.read(record.fields);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        yield { file, line: record.line, kind: 'invalid', message: `${error.field}: ${error.message}` };
        continue;
      }
      if ('skip' in read) {
        yield { file, line: record.line, kind: read.skip, message: read.message };
        continue;
      }
      if (read.label === null) {
        yield { file, line: record.line, kind: 'unlabelled', message: 'no label' };
        continue;
      }
      yield { file, line: record.line, ...read };
    }
  } catch (error) {
    if (VigilInputError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new VigilInputError(`${file}: cannot read the dataset: ${code ?? (error as Error).message}`, {
      cause: error,
    });
  }
}
