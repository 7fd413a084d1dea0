import { describe, expect, it } from 'vitest';
import { auditFlags, auditHelp } from '../commands/audit/audit-flags.js';
import { classifyFlags, classifyHelp } from '../commands/classify/classify-flags.js';
import { evalFlags, evalHelp } from '../commands/eval/eval-flags.js';
import { serveHelp } from '../commands/serve/serve-help.js';
import { serveFlags } from '../commands/serve/serve-options.js';
import { coerceFlags, defineFlags } from './flag-table.js';
import { flagDescription, helpRow, renderHelp } from './render-help.js';

const table = defineFlags({
  port: {
    type: 'string',
    integer: { min: 0, max: 65_535 },
    default: 8080,
    value: 'N',
    env: 'PORT',
    section: 'server',
    help: 'port to listen on',
  },
  mode: { type: 'string', choices: ['a', 'b'], value: 'MODE', section: 'server', help: 'a or b' },
  threads: {
    type: 'string',
    value: 'N',
    defaultText: 'physical cores',
    section: 'server',
    help: 'threads ({default}; local only)',
  },
});

describe('flag tables', () => {
  it('check choices and ranges and apply defaults, naming the flag', () => {
    expect(coerceFlags(table, {})).toEqual({ port: 8080 });
    expect(coerceFlags(table, { port: '9000', mode: 'b' })).toEqual({ port: 9000, mode: 'b' });
    expect(() => coerceFlags(table, { port: '70000' })).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --port: expected an integer from 0 to 65535, received '70000']`,
    );
    expect(() => coerceFlags(table, { mode: 'c' })).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --mode: expected one of a, b, received 'c']`,
    );
  });

  it('describe each flag with its default and variable', () => {
    expect(flagDescription(table.port, true)).toBe('port to listen on (default 8080) [PORT]');
    expect(flagDescription(table.port, false)).toBe('port to listen on (default 8080)');
    expect(flagDescription(table.threads, false)).toBe('threads (default: physical cores; local only)');
  });

  it('align descriptions at one column, or start them on the next line after a long flag', () => {
    expect(helpRow('--port N', 'port to listen on')).toBe(`  --port N${' '.repeat(18)}port to listen on`);
    expect(helpRow('--custom-category "Name: description"', 'add one')).toBe(
      `  --custom-category "Name: description"\n${' '.repeat(28)}add one`,
    );
  });

  it('refuse a page that leaves a flag out', () => {
    expect(() =>
      renderHelp({ usage: 'u', intro: '', table, sections: [{ id: 'other', title: 'Other:' }], outro: '' }),
    ).toThrowErrorMatchingInlineSnapshot(`[Error: --port: its help section 'server' is not on the page]`);
  });

  it('list every flag of every command in its --help (eval points to classify for the guard flags)', () => {
    const pages = [
      [classifyFlags, classifyHelp],
      [auditFlags, auditHelp],
      [serveFlags, serveHelp],
      [evalFlags, `${evalHelp}${classifyHelp}`],
    ] as const;
    for (const [flags, help] of pages) {
      for (const name of Object.keys(flags)) expect(help).toMatch(new RegExp(`(^|, | )--${name}\\b`, 'm'));
    }
    for (const definition of Object.values(serveFlags)) {
      if ('env' in definition) expect(serveHelp).toContain(definition.env);
    }
  });
});
