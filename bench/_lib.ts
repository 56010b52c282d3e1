/** Shared helpers of the benchmarks: statistics, an emulator per scenario, clients and request logs. */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emulatorEndpoints, type EmulatorOptions } from '@wif/cli';
import { createClients, type LogEntry, type WifClients } from '@wif/core';
import { createTestCredential } from '@wif/testing';

export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** An emulator running in its own process (emulatorHost.mjs), so it does not compete with the measured client for one thread. */
export interface RemoteEmulator {
  readonly url: string;
  readonly endpoints: { graph: string; arm: string; devops: string; authority: string };
  counts(
    prefix: string,
  ): Promise<{ apps: number; connections: number; credentials: number; assignments: number; requests: number; throttled: number }>;
}

export async function withEmulator<T>(
  options: { fake?: EmulatorOptions['fake']; seed?: boolean; org?: { projects: number; perProject: number } },
  fn: (emu: RemoteEmulator) => Promise<T>,
): Promise<T> {
  const host = fork(join(dirname(fileURLToPath(import.meta.url)), 'emulatorHost.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <M extends { type: string }>(type: string): Promise<M> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: M): void => {
        if (m.type === type) {
          host.off('message', onMessage);
          resolve(m);
        } else if (m.type === 'error') reject(new Error(JSON.stringify(m)));
      };
      host.on('message', onMessage);
    });
  try {
    const ready = next<{ type: 'ready'; url: string }>('ready');
    host.send({ type: 'start', ...options });
    const { url } = await ready;
    const emu: RemoteEmulator = {
      url,
      endpoints: emulatorEndpoints(url),
      counts: async (prefix) => {
        const reply = next<{
          type: 'counts';
          apps: number;
          connections: number;
          credentials: number;
          assignments: number;
          requests: number;
          throttled: number;
        }>('counts');
        host.send({ type: 'counts', prefix });
        return reply;
      },
    };
    return await fn(emu);
  } finally {
    host.send({ type: 'stop' });
    await new Promise((r) => host.once('exit', r));
  }
}

/** One request as the client saw it: when it started and ended (ms, monotonic). */
export interface Timed {
  readonly startInMs: number;
  readonly endInMs: number;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
}

/** Clients on the emulator, recording every attempt they send. */
export function recordingClients(emu: Pick<RemoteEmulator, 'endpoints'>, log: Timed[] | undefined): WifClients {
  const logger = (e: LogEntry): void => {
    if (!log || e.method === undefined || e.durationInMs === undefined) return;
    const end = performance.now();
    log.push({ startInMs: end - e.durationInMs, endInMs: end, method: e.method, url: e.url ?? '', status: e.status });
  };
  return createClients({
    credential: createTestCredential(),
    organization: 'contoso',
    endpoints: { graph: emu.endpoints.graph, arm: emu.endpoints.arm, devops: emu.endpoints.devops, authority: emu.endpoints.authority },
    ...(log ? { logger } : {}),
  });
}

/**
 * The longest chain of requests where each starts after the previous one ended: the critical path
 * the run actually followed (requests in parallel do not add to it).
 */
export function measuredDepth(log: readonly Timed[]): { depth: number; chain: Timed[] } {
  const sorted = [...log].sort((a, b) => a.startInMs - b.startInMs);
  const best: { depth: number; prev: number }[] = [];
  sorted.forEach((r, i) => {
    let depth = 1;
    let prev = -1;
    for (let j = 0; j < i; j++) {
      // 1 ms of slack: the client logs the end a little after the server answered.
      if (sorted[j]!.endInMs <= r.startInMs + 1 && best[j]!.depth + 1 > depth) {
        depth = best[j]!.depth + 1;
        prev = j;
      }
    }
    best.push({ depth, prev });
  });
  let at = best.reduce((m, b, i) => (b.depth > (best[m]?.depth ?? 0) ? i : m), 0);
  const chain: Timed[] = [];
  while (at >= 0 && sorted[at]) {
    chain.unshift(sorted[at]!);
    at = best[at]!.prev;
  }
  return { depth: chain.length, chain };
}

/** `GET …/applications(uniqueName='…')` → `GET applications(…)`: a short label for a request. */
export function label(t: Timed): string {
  const path = new URL(t.url).pathname.replace(/^\/(graph\/v1\.0|arm|devops\/contoso)/, '');
  const short = path
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    .replace(/\(uniqueName='[^']*'\)/, "(uniqueName='…')")
    .replace(/\/subscriptions\/\{id\}\/resourceGroups\/[^/]+/, '/{rg}');
  return `${t.method} ${decodeURIComponent(short)}`;
}

export function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
