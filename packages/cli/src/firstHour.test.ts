/**
 * What a new user meets in the first hour at the command line: -o/--output and --query, did-you-mean
 * for commands and options, config discovery, grouped errors, confirmation messages that say which
 * stream is not a terminal, and a closed pipe that ends wif quietly.
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact, redactDeep } from '@wif/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { memoryIo } from '../test/memoryIo';
import { parseCommandLine } from './args';
import { cannotAskMessage } from './confirm';
import { endOnClosedPipe } from './io';
import { createPrinter, serialize } from './output';
import { discoverConfig } from './runtime';

const redactor = { redact, redactDeep };

describe('-o/--output and --query', () => {
  const globals = (...argv: string[]) => parseCommandLine(['plan', ...argv])._unsafeUnwrap().global;

  it('takes table, json, yaml and ndjson; --json is -o json; --query implies json', () => {
    expect(globals()).toMatchObject({ output: 'table', json: false });
    expect(globals('-o', 'yaml')).toMatchObject({ output: 'yaml', json: true });
    expect(globals('--output=ndjson')).toMatchObject({ output: 'ndjson', json: true });
    expect(globals('--json')).toMatchObject({ output: 'json', json: true });
    expect(globals('--query', 'stats')).toMatchObject({ output: 'json', json: true, query: 'stats' });
    expect(globals('-o', 'table', '--query', 'stats')).toMatchObject({ output: 'table', json: true });
  });

  it('refuses an unknown format with a suggestion, and --json with another -o', () => {
    expect(parseCommandLine(['plan', '-o', 'yml'])._unsafeUnwrapErr().message).toContain('Did you mean -o yaml?');
    expect(parseCommandLine(['plan', '--json', '-o', 'yaml'])._unsafeUnwrapErr().message).toContain('--json is -o json');
    // audit has its own --output (FORMAT[=FILE], repeatable): -o reaches it, and it reads it itself.
    const audit = parseCommandLine(['audit', '-o', 'junit=a.xml', '-o', 'ndjson'])._unsafeUnwrap();
    expect(audit.command === 'audit' && audit.options['output']).toEqual(['junit=a.xml', 'ndjson']);
  });

  it("accepts a command's own formats only for that command", () => {
    // No command declares extra formats yet in this table: an unknown one is refused everywhere.
    expect(parseCommandLine(['plan', '-o', 'sarif']).isErr()).toBe(true);
  });

  it('writes yaml, and ndjson one line per element of a list', () => {
    expect(parseYaml(serialize({ ok: true, n: [1, 2] }, 'yaml') ?? '')).toEqual({ ok: true, n: [1, 2] });
    expect(serialize([{ a: 1 }, { a: 2 }], 'ndjson')).toBe('{"a":1}\n{"a":2}\n');
    expect(serialize({ a: 1 }, 'ndjson')).toBe('{"a":1}\n');
    expect(serialize({ a: 1 }, 'sarif')).toBeUndefined();
  });

  it('applies --query before printing, in any format, and renders -o table --query as a table', () => {
    const doc = {
      ok: true,
      findings: [
        { severity: 'high', connection: { name: 'sc-a' } },
        { severity: 'low', connection: { name: 'sc-b' } },
      ],
    };
    const run = (output: string, query: string) => {
      const io = memoryIo();
      createPrinter(io, { json: true, output, query }, redactor).data(doc);
      return io.out();
    };
    expect(run('ndjson', 'findings[].connection.name')).toBe('"sc-a"\n"sc-b"\n');
    expect(JSON.parse(run('json', "findings[?severity=='high'] | [0].connection"))).toEqual({ name: 'sc-a' });
    expect(run('table', 'findings[].{sev: severity, name: connection.name}')).toBe('sev   name\nhigh  sc-a\nlow   sc-b\n');
  });
});

describe('did you mean', () => {
  it('suggests the command for a misspelt one', () => {
    expect(parseCommandLine(['pla'])._unsafeUnwrapErr().message).toContain('Did you mean `wif plan`?');
    expect(parseCommandLine(['Audit'])._unsafeUnwrapErr().message).toContain('Did you mean `wif audit`?');
    expect(parseCommandLine(['xyzzy'])._unsafeUnwrapErr().message).not.toContain('Did you mean');
  });

  it('suggests the option for a misspelt one, from the command and the global options', () => {
    expect(parseCommandLine(['plan', '--conifg', 'x'])._unsafeUnwrapErr().message).toBe(
      "Unknown option '--conifg'. Did you mean --config?",
    );
    expect(parseCommandLine(['audit', '--fail-onn', 'high'])._unsafeUnwrapErr().message).toContain('Did you mean --fail-on?');
    expect(parseCommandLine(['audit', '--querry', 'x'])._unsafeUnwrapErr().message).toContain('Did you mean --query?');
  });
});

describe('config discovery', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wif-discover-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers WIF_CONFIG, then ./wif.yaml, ./wif.yml, ./.wif/wif.yaml', async () => {
    expect(discoverConfig({ cwd: dir, env: {} })).toBeUndefined();
    await mkdir(join(dir, '.wif'));
    await writeFile(join(dir, '.wif', 'wif.yaml'), '');
    expect(discoverConfig({ cwd: dir, env: {} })).toBe('.wif/wif.yaml');
    await writeFile(join(dir, 'wif.yml'), '');
    expect(discoverConfig({ cwd: dir, env: {} })).toBe('wif.yml');
    await writeFile(join(dir, 'wif.yaml'), '');
    expect(discoverConfig({ cwd: dir, env: {} })).toBe('wif.yaml');
    expect(discoverConfig({ cwd: dir, env: { WIF_CONFIG: 'other.yaml' } })).toBe('other.yaml');
  });
});

describe('grouped errors', () => {
  it('prints one message for connections that failed for the same reason, with their count', () => {
    const io = memoryIo();
    const down = { kind: 'Network', message: 'cannot reach http://127.0.0.1:4010 — is `wif emulator` running?' };
    createPrinter(io, { json: false }, redactor).errors([
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((n) => ({ label: `p/${n}`, error: down })),
      { label: 'p/g', error: { kind: 'Forbidden', message: 'no' } },
    ]);
    const err = io.err();
    expect(err.match(/cannot reach/g)).toHaveLength(1);
    expect(err).toContain('6 connections (p/a, p/b, p/c, …):');
    expect(err).toContain('p/g:\n✗ Forbidden: no');
  });
});

describe('confirmation messages', () => {
  it('says which stream is not a terminal instead of "without a terminal"', () => {
    const piped = { ...memoryIo({ tty: true }), stdin: Object.assign(memoryIo().stdin, { isTTY: false }) };
    expect(cannotAskMessage(piped, 'apply changes X')).toBe(
      'apply changes X: stdin is not a terminal, so wif cannot ask; pass --yes to go ahead without asking.',
    );
    expect(cannotAskMessage(memoryIo(), 'apply')).toContain('there is no terminal to confirm on');
  });
});

describe('a closed pipe', () => {
  it('ends the process quietly (exit 0) on EPIPE, and leaves other stream errors alone', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      const stdout = new EventEmitter();
      endOnClosedPipe(stdout);
      stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      expect(exit).toHaveBeenCalledWith(0);
      expect(() => stdout.emit('error', Object.assign(new Error('boom'), { code: 'EIO' }))).toThrow('boom');
      expect(exit).toHaveBeenCalledTimes(1);
    } finally {
      exit.mockRestore();
    }
  });
});
