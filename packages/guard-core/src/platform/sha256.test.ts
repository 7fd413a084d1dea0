import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 as browserSha256 } from './browser/sha256.js';
import { sha256 as nodeSha256 } from './node/sha256.js';

describe('the browser SHA-256', () => {
  it('equals node:crypto on lengths around every block boundary and on non-ASCII text', () => {
    const texts = ['', 'abc', '日本語 🙂 ünïcödé'];
    for (let length = 50; length < 140; length++) texts.push('x'.repeat(length));
    texts.push('a'.repeat(100_000));
    for (const text of texts) {
      expect(browserSha256(text), `length ${text.length}`).toBe(
        createHash('sha256').update(text).digest('base64url'),
      );
      expect(nodeSha256(text)).toBe(browserSha256(text));
    }
  });
});
