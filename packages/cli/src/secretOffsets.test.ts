/**
 * The CLI end of the redaction property: a PAT that a service echoes at any offset around the
 * 500-character cut of its message (and in its request id header) never reaches stdout or stderr, in
 * table, `--verbose` or `--json` output (the 10,000-registrations part is in @wif/http's property test).
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { memoryIo } from '../test/memoryIo';
import { main } from './main';

const URL_ = 'http://127.0.0.1:4096';
const G = '11111111-2222-3333-4444-555555555555';
const PAT = 'k7Qm2Xv9Lp4Rt8Wz1Nc6Hb3Jd5Fg0Sa7Ye2Ui9Oo4Pq1Mn8Bv6Cx';
const { server } = useContractServer();

function echoingAt(offset: number) {
  const text = `${'#'.repeat(offset)}${PAT}${'#'.repeat(80)}`;
  return [
    http.get(`${URL_}/devops/contoso/_apis/projects`, () =>
      HttpResponse.json({ count: 1, value: [{ id: G, name: 'platform', state: 'wellFormed' }] }),
    ),
    http.all(`${URL_}/*`, () =>
      HttpResponse.json({ message: text, typeKey: 'UnauthorizedRequestException' }, { status: 403, headers: { 'x-vss-e2eid': text } }),
    ),
  ];
}

const pieces = (s: string): string[] =>
  Array.from({ length: s.length - 7 }, (_, n) => [s.slice(0, n + 8), s.slice(s.length - n - 8)]).flat();

describe('a PAT echoed around the 500-character cut', () => {
  it.each([
    ['table --verbose', ['audit', '--emulator', URL_, '--devops-auth', 'pat', '--verbose']],
    ['--json', ['audit', '--emulator', URL_, '--devops-auth', 'pat', '--json']],
  ])('%s: no piece of it is printed at any offset', async (_mode, argv) => {
    for (let offset = 500 - PAT.length - 2; offset <= 502; offset++) {
      server.resetHandlers(...echoingAt(offset));
      const io = memoryIo({ env: { AZURE_DEVOPS_EXT_PAT: PAT } });
      await main(argv, io);
      const printed = io.out() + io.err();
      expect(printed, `offset ${offset}`).toMatch(/403|Forbidden|UnauthorizedRequest/);
      const leaked = pieces(PAT).find((p) => printed.includes(p));
      expect(leaked, `offset ${offset}`).toBeUndefined();
    }
  });
});
