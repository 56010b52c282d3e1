import { redact, redactDeep } from '@wif/core';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../test/memoryIo';
import { colorsFor, createPrinter, formatError, renderTable, visibleLength } from './output';

const redactor = { redact, redactDeep };
// Secret-shaped values: a JWT, an Entra client secret, a PAT in a Basic header, a secret-named field.
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYzovL2NvbnRvc28ifQ.c2lnbmF0dXJlLXZhbHVl';
const CLIENT_SECRET = 'abc8Q~Zx1234567890abcdefghijklmnopqrstu';
const SECRETS = [JWT, CLIENT_SECRET, 'czNjcjN0LXBhdA=='];

describe('renderTable', () => {
  it('aligns columns by what the terminal shows, ignoring colour codes', () => {
    const colors = colorsFor(memoryIo(), { color: true });
    const table = renderTable(
      ['name', 'state'],
      [
        [colors.green('sc-a'), 'ok'],
        ['sc-longer-name', colors.red('FAILED')],
      ],
      colors,
    );
    const lines = table.split('\n');
    const stateColumn = lines.map((l) =>
      l.replace(/\u001b\[[0-9;]*m/g, '').indexOf(lines[0] === l ? 'state' : l.includes('FAILED') ? 'FAILED' : 'ok'),
    );
    expect(new Set(stateColumn).size).toBe(1);
    expect(visibleLength(lines[1]!)).toBe('sc-a'.padEnd('sc-longer-name'.length).length + 2 + 'ok'.length);
  });
});

describe('colorsFor', () => {
  it('colours a terminal, not a pipe, and honours NO_COLOR and --color', () => {
    expect(colorsFor(memoryIo({ tty: true }), {}).enabled).toBe(true);
    expect(colorsFor(memoryIo({ tty: false }), {}).enabled).toBe(false);
    expect(colorsFor(memoryIo({ tty: true, env: { NO_COLOR: '1' } }), {}).enabled).toBe(false);
    expect(colorsFor(memoryIo({ tty: true, env: { NO_COLOR: '' } }), {}).enabled).toBe(true);
    expect(colorsFor(memoryIo({ tty: true, env: { NO_COLOR: '1' } }), { color: true }).enabled).toBe(true);
    expect(colorsFor(memoryIo({ tty: true }), { color: false }).red('x')).toBe('x');
  });
});

describe('createPrinter', () => {
  const secretError = {
    kind: 'Unauthorized',
    service: 'entra',
    status: 401,
    code: 'invalid_client',
    message: `token ${JWT} refused; client_secret=${CLIENT_SECRET}; Authorization: Basic czNjcjN0LXBhdA==`,
  };

  it('prints one JSON document on stdout in JSON mode, with no secret in it', () => {
    const io = memoryIo();
    const printer = createPrinter(io, { json: true }, redactor);
    printer.line('human text is not printed in JSON mode');
    printer.table(['a'], [['b']]);
    printer.error(secretError);
    const doc = JSON.parse(io.out()) as { ok: boolean; error: { kind: string; code: string; message: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error).toMatchObject({ kind: 'Unauthorized', code: 'invalid_client' });
    for (const s of SECRETS) expect(io.out()).not.toContain(s);
    expect(doc.error.message).toContain('[REDACTED]');
  });

  it('redacts secret-named fields of data deeply', () => {
    const io = memoryIo();
    createPrinter(io, { json: true }, redactor).data({
      connection: { parameters: { serviceprincipalkey: 'hunter2-hunter2', tenantid: 't' } },
      note: `Bearer ${JWT}`,
    });
    expect(io.out()).not.toContain('hunter2');
    expect(io.out()).not.toContain(JWT);
    expect(JSON.parse(io.out()).connection.parameters.tenantid).toBe('t');
  });

  it('explains errors on stderr for people, redacted, with the service code', () => {
    const io = memoryIo();
    const printer = createPrinter(io, { json: false }, redactor);
    printer.error(secretError);
    expect(io.out()).toBe('');
    expect(io.err()).toContain('Unauthorized');
    expect(io.err()).toContain('service entra, HTTP 401, code invalid_client');
    for (const s of SECRETS) expect(io.err()).not.toContain(s);
    printer.line(`a line with ${JWT}`);
    expect(io.out()).not.toContain(JWT);
  });
});

describe('formatError', () => {
  const colors = colorsFor(memoryIo(), { color: false });

  it('lists every validation problem with its path', () => {
    const lines = formatError(
      {
        kind: 'Validation',
        message: '2 problems',
        problems: [
          { path: 'tenantId', message: 'is not a GUID' },
          { path: '', message: 'names no connection' },
        ],
      },
      colors,
    );
    expect(lines).toEqual([
      '✗ Validation: 2 problems, nothing was sent:',
      '    tenantId: is not a GUID',
      '    (input): names no connection',
    ]);
  });

  it('shows both strings, the position and the hint of a subject mismatch', () => {
    const lines = formatError(
      {
        kind: 'SubjectMismatch',
        message: 'no match',
        expected: 'sc://org/p/a',
        actual: 'sc://org/p/A',
        firstDifferenceAt: 11,
        hint: 'differs only in letter case',
      },
      colors,
    ).join('\n');
    expect(lines).toContain('connection presents: sc://org/p/a');
    expect(lines).toContain('closest credential:  sc://org/p/A');
    expect(lines).toContain('first difference at: 11');
    expect(lines).toContain('hint: differs only in letter case');
  });
});
