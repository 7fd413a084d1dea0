import { VigilInputError } from '@vigil/guard-core';
import { type DatasetSpec, FieldError } from './dataset-spec.js';
import type { EvalExample, EvalSkip } from './eval-types.js';
import { readRecords } from './read-records.js';

/**
 * Reads labelled examples from a dataset file with a spec (a preset or the generic fields).
 * Row-level problems (malformed JSON, no text, no label) come out as skips with file:line;
 * a file that is not what the spec reads, or a label value it cannot read, stops with an error.
 * @throws VigilInputError naming file:line and the field.
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
        if (error instanceof FieldError) {
          throw new VigilInputError(`${file}:${record.line}: ${error.field}: ${error.message}`);
        }
        throw error;
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
