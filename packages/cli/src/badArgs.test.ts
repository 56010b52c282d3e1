/**
 * The CLI's part of the bad-input catalogue: malformed arguments and specs are a usage error
 * (exit 2) with a message that says what is wrong, and no request is sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { memoryIo } from '../test/memoryIo';
import { main } from './main';

let requests = 0;
useContractServer([
  http.all('*', () => {
    requests++;
    return HttpResponse.json({}, { status: 500 });
  }),
]);

const dir = mkdtempSync(join(tmpdir(), 'wif-bad-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const badSpec = join(dir, 'bad.yaml');
writeFileSync(badSpec, 'organization: con toso\ntenantId: nope\nconnections: []\n');
const notYaml = join(dir, 'broken.yaml');
writeFileSync(notYaml, 'organization: [unclosed\n');
const E = ['--emulator', 'http://127.0.0.1:4098'];

const cases: readonly (readonly [string, readonly string[], RegExp])[] = [
  ['an unknown command', ['deploy'], /unknown command|deploy/i],
  ['an unknown option', ['plan', '--frobnicate', ...E], /frobnicate/],
  ['plan without --config', ['plan', ...E], /config/i],
  ['apply without --config', ['apply', '--yes', ...E], /config/i],
  ['a spec file that does not exist', ['plan', '--config', join(dir, 'missing.yaml'), ...E], /missing\.yaml|not found|cannot read/i],
  ['a spec that is not YAML', ['plan', '--config', notYaml, ...E], /broken\.yaml|YAML|spec/i],
  ['a spec with invalid fields', ['plan', '--config', badSpec, ...E], /tenantId|organization/],
  ['--emulator that is not a URL', ['audit', '--emulator', '127.0.0.1:4010'], /must be a URL/],
  ['--concurrency 0', ['plan', '--config', badSpec, '--concurrency', '0', ...E], /concurrency/],
  ['--concurrency not a number', ['apply', '--config', badSpec, '--concurrency', 'many', '--yes', ...E], /concurrency/],
  ['--fail-on an unknown severity', ['audit', '--fail-on', 'extreme', ...E], /fail-on|severity/i],
  ['migrate without an action', ['migrate', ...E], /start|status|finish|rollback/],
  ['migrate with an unknown action', ['migrate', 'frobnicate', ...E], /frobnicate|start|status/],
  ['diagnose without text', ['diagnose', ...E], /text|error/i],
  ['emulator --port out of range', ['emulator', '--port', '70000'], /port/i],
];

describe('bad CLI arguments', () => {
  it.each(cases)('%s → exit 2 with a message, nothing sent', async (_name, argv, message) => {
    const before = requests;
    const io = memoryIo();
    const code = await main(argv, io);
    expect(code).toBe(2);
    expect(io.err() + io.out()).toMatch(message);
    expect(requests).toBe(before);
  });
});
