/**
 * Retrying through Entra replication delay: right after a service principal is created, Graph reads
 * may answer 404 and ARM may answer 400 `PrincipalNotFound` (docs/reference/graph.md §9, docs/reference/arm.md §5). Those answers
 * are retried here with bounded exponential backoff — and nothing else is.
 */
import { type AbortSignalLikeMinimal, settled, sleep } from '@wif/http';
import { err, type Result, ResultAsync } from 'neverthrow';
import type { ReplicationRetryOptions } from '../types';

export type { ReplicationRetryOptions };

const DEFAULTS = { maxAttempts: 8, delayInMs: 1_000, maxDelayInMs: 10_000 } as const;

/**
 * Calls `attempt` until it succeeds, fails with an error `isReplicationDelay` does not accept, or
 * the attempts run out (then the last error is returned).
 */
export function retryThroughReplication<T, E extends { kind: string }>(
  attempt: () => ResultAsync<T, E>,
  isReplicationDelay: (error: E) => boolean,
  options: ReplicationRetryOptions | undefined,
  abortSignal: AbortSignalLikeMinimal | undefined,
): ResultAsync<T, E | { kind: 'Aborted'; message: string }> {
  const maxAttempts = Math.max(1, options?.maxAttempts ?? DEFAULTS.maxAttempts);
  const base = options?.delayInMs ?? DEFAULTS.delayInMs;
  const cap = options?.maxDelayInMs ?? DEFAULTS.maxDelayInMs;
  type Failure = E | { kind: 'Aborted'; message: string };
  const loop = (n: number): ResultAsync<T, Failure> =>
    // `settled`, not `orElse`: one `then` per attempt (docs/decisions/029-cheap-result-chains.md).
    settled(attempt(), (r): Result<T, Failure> | ResultAsync<T, Failure> => {
      if (r.isOk()) return r;
      const error = r.error;
      if (n + 1 >= maxAttempts || !isReplicationDelay(error)) return err(error);
      const wait = Math.min(cap, base * 2 ** n);
      return ResultAsync.fromPromise(sleep(wait, abortSignal), () => ({
        kind: 'Aborted' as const,
        message: 'Aborted while waiting for Entra replication.',
      })).andThen(() => loop(n + 1));
    });
  return loop(0);
}
