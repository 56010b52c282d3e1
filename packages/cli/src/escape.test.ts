import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeJson, escapeOutput } from './output';

const inert = (text: string): void => {
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/);
  expect(text).not.toMatch(/##vso\[/i);
  for (const line of text.split('\n')) expect(line).not.toMatch(/^\s*##\[/);
};

describe('escapeOutput', () => {
  it('neutralises logging commands anywhere in a line, as the agent finds them anywhere', () => {
    expect(escapeOutput('Reader\n##vso[task.setvariable variable=x]1')).toBe('Reader\n**vso[task.setvariable variable=x]1');
    expect(escapeOutput('role x ##VSO[task.prependpath]/evil')).toBe('role x **VSO[task.prependpath]/evil');
    expect(escapeOutput('##[error]fake')).toBe('**[error]fake');
  });

  it('shows control, bidi and zero-width characters instead of obeying them', () => {
    expect(escapeOutput('a\u001b[2Jb\rc\u0085d\u202ee\u200bf')).toBe('a\\x1B[2Jb\\x0Dc\\x85d\\u{202E}e\\u{200B}f');
  });

  it("keeps wif's own colours only when asked to", () => {
    const red = '\u001b[31mx\u001b[39m';
    expect(escapeOutput(red, { keepColors: true })).toBe(red);
    expect(escapeOutput(red)).toBe('\\x1B[31mx\\x1B[39m');
    expect(escapeOutput('\u001b[2J', { keepColors: true })).toBe('\\x1B[2J');
  });

  it('leaves no way in for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (s, colors) => {
        const out = escapeOutput(s, { keepColors: colors });
        inert(colors ? out.replace(/\u001b\[(?:1|2|22|31|32|33|36|39)m/g, '') : out);
      }),
      { numRuns: 500 },
    );
  });
});

describe('escapeJson', () => {
  it('is the same JSON document once parsed, with no line an agent or terminal would act on', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, s) => {
        const doc = { value, s, cmd: `x\n##vso[task.setvariable]${s}`, fmt: `##[error]${s}` };
        const text = escapeJson(JSON.stringify(doc, null, 2));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(doc)));
        inert(text);
      }),
      { numRuns: 300 },
    );
  });
});
