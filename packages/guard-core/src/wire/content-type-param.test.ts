import { expect, it } from 'vitest';
import { contentTypeParam } from './content-type-param.js';

it('reads parameters as MIME parsers do: quoted strings whole, the first of a name', () => {
  expect(contentTypeParam('application/json; charset=UTF-8', 'charset')).toBe('UTF-8');
  expect(contentTypeParam('application/json;charset="utf-16le"', 'charset')).toBe('utf-16le');
  expect(contentTypeParam('application/json; note="; charset=utf-8"; charset=utf-7', 'charset')).toBe(
    'utf-7',
  );
  expect(contentTypeParam('multipart/form-data; a="x\\"; boundary=decoy"; boundary=real', 'boundary')).toBe(
    'real',
  );
  expect(contentTypeParam('multipart/form-data; BOUNDARY=b; boundary=c', 'boundary')).toBe('b');
  expect(contentTypeParam('application/json; ;charset=utf-7', 'charset')).toBe('utf-7');
  expect(contentTypeParam('application/json', 'charset')).toBeUndefined();
  expect(contentTypeParam(undefined, 'charset')).toBeUndefined();
});
