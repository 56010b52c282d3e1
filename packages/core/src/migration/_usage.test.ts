import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createTestCredential } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { usesSince } from './_usage';

const { server } = useFake();
const devops = () => createClients({ credential: createTestCredential(), organization: 'contoso' }).devops;
const HISTORY = /\/_apis\/serviceendpoint\/[^/]+\/executionhistory$/;
const SINCE = '2026-03-02T09:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(SINCE) + minutes * 60_000).toISOString();
const record = (id: number, minutes: number, pipeline = `p${id}`) => ({
  data: {
    id,
    definition: { id, name: pipeline },
    owner: { id: 1000 + id, name: `run ${id}` },
    result: 'succeeded',
    startTime: at(minutes),
  },
  endpointId: 'e',
});
const ENDPOINT = '11111111-2222-4333-8444-555555555555';
const ONE = [{ id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'platform' }];

/** Serves `all` in pages of the requested size, `x-ms-continuationtoken` while more remain; counts the requests. */
function serve(all: ReturnType<typeof record>[]): { requests: number } {
  const seen = { requests: 0 };
  server.use(
    http.get(HISTORY, ({ request }) => {
      seen.requests += 1;
      const url = new URL(request.url);
      const top = Number(url.searchParams.get('top'));
      const start = Number(url.searchParams.get('continuationToken') ?? 0);
      const value = all.slice(start, start + top);
      const headers: Record<string, string> = start + top < all.length ? { 'x-ms-continuationtoken': String(start + top) } : {};
      return HttpResponse.json({ count: value.length, value }, { headers });
    }),
  );
  return seen;
}

describe("usesSince (the old connection's usage history)", () => {
  it('finds a use after the go-live on a later page when the service lists oldest first', async () => {
    const oldestFirst = [...Array.from({ length: 250 }, (_, i) => record(i + 1, -1000 + i)), record(900, 30, 'late-pipeline')];
    const seen = serve(oldestFirst);
    const usage = (await usesSince(devops(), ONE, ENDPOINT, SINCE))._unsafeUnwrap();
    expect(usage).toEqual({
      uses: [{ project: 'platform', pipeline: 'late-pipeline', run: 'run 900', at: at(30), result: 'succeeded' }],
      complete: true,
    });
    expect(seen.requests).toBe(3);
  });

  it('stops at the first page older than the go-live when the service lists newest first', async () => {
    const newestFirst = Array.from({ length: 300 }, (_, i) => record(i + 1, -i - 1));
    const seen = serve(newestFirst);
    expect((await usesSince(devops(), ONE, ENDPOINT, SINCE))._unsafeUnwrap()).toEqual({ uses: [], complete: true });
    expect(seen.requests).toBe(1);
  });

  it('reads at most five pages, and says so when more may remain', async () => {
    const seen = serve(Array.from({ length: 700 }, (_, i) => record(i + 1, -10_000 + i)));
    expect((await usesSince(devops(), ONE, ENDPOINT, SINCE))._unsafeUnwrap()).toEqual({ uses: [], complete: false });
    expect(seen.requests).toBe(5);
  });

  it('keeps each pipeline once, at its last use, and a record seen from two projects once', async () => {
    serve([record(1, 10, 'deploy'), record(2, 50, 'deploy'), record(3, 20, 'other'), record(4, -5, 'before')]);
    const two = [...ONE, { id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'web' }];
    const usage = (await usesSince(devops(), two, ENDPOINT, SINCE))._unsafeUnwrap();
    expect(usage.uses.map((u) => [u.pipeline, u.at, u.project])).toEqual([
      ['deploy', at(50), 'platform'],
      ['other', at(20), 'platform'],
    ]);
  });
});
