import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { pythonTrimGlobals, usePythonTrim } from './python-trim.js';

const render = (source: string, text: string) =>
  usePythonTrim(new Template(source)).render({ text, items: [text], ...pythonTrimGlobals });

describe('usePythonTrim', () => {
  it.each([
    ['{{ text | trim }}'],
    ['{{ text.strip() }}'],
    ["{{ 'User: ' + text | trim + '\\n\\n' }}"],
    ['{% for item in items %}{{ item | trim }}{% endfor %}'],
    ['{% if (text | trim) == "" %}empty{% else %}{{ text | trim }}{% endif %}'],
  ])('strips as Python does in %s', (source) => {
    const plain = new Template(source).render({ text: '  ordinary text \n', items: ['  ordinary text \n'] });
    expect(render(source, '  ordinary text \n')).toBe(plain);
    // Python keeps U+FEFF and strips U+001C and U+0085; JavaScript's trim() does the opposite.
    expect(render(source, '\ufeff\u001cx\u0085')).toBe(plain.replace('ordinary text', '\ufeff\u001cx'));
  });

  it('leaves strip() with arguments and other filters alone', () => {
    expect(render('{{ text.strip("x") }}|{{ text | upper }}', 'xax')).toBe('xax|XAX');
  });
});
