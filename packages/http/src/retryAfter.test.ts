/**
 * Retry-After is honoured to the millisecond, on a fake clock: the second attempt is not sent a
 * moment before the service said, and is sent when it said (not after the shorter normal backoff).
 */
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTransport } from './index';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function answering(first: { status: number; headers: Record<string, string> }): { client: HttpClient; calls: number[] } {
  const calls: number[] = [];
  const client: HttpClient = {
    async sendRequest(request: PipelineRequest) {
      calls.push(Date.now());
      const a = calls.length === 1 ? first : { status: 200, headers: { 'content-type': 'application/json' } };
      return { request, status: a.status, headers: createHttpHeaders(a.headers), bodyAsText: '{}' };
    },
  };
  return { client, calls };
}

describe('Retry-After on a fake clock', () => {
  it.each([
    ['429, Retry-After in seconds', 429, { 'retry-after': '7' }, 7_000],
    ['503, Retry-After in seconds', 503, { 'retry-after': '3' }, 3_000],
    ['429, retry-after-ms', 429, { 'retry-after-ms': '4500' }, 4_500],
  ])('%s: waits exactly as long as asked, not the normal backoff', async (_name, status, headers, waitInMs) => {
    const { client, calls } = answering({ status, headers });
    const t = createTransport({
      service: 'arm',
      baseUrl: 'https://management.azure.com',
      auth: { kind: 'none' },
      // The normal backoff would retry within 20 ms.
      retry: { retryDelayInMs: 10, maxRetryDelayInMs: 20 },
      httpClient: client,
    });
    const start = Date.now();
    const pending = t.send({ method: 'GET', path: '/x', operation: 'GET x' });
    await vi.advanceTimersByTimeAsync(waitInMs - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]! - start).toBe(waitInMs);
    expect((await pending).isOk()).toBe(true);
  });
});
