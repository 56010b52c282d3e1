/**
 * A cheap form of neverthrow's `ResultAsync.mapErr` and `orElse` (and of `map` + `mapErr`) for
 * paths every request takes. Those wrap each call in an `__awaiter` generator with three promises
 * of their own (neverthrow 8's compiled output); `andThen` and the helper below attach one `then`.
 * Same results, fewer microtasks and allocations (docs/decisions/029-cheap-result-chains.md).
 * A synchronous `map(f)` is `andThen((v) => ok(f(v)))`.
 */
import { type Result, ResultAsync } from 'neverthrow';

/**
 * The next `ResultAsync` from the settled `Result` of `result`, Ok or Err: `f` sees either and
 * returns a `Result` or a `ResultAsync` (adopted). `result.orElse(f)` is
 * `settled(result, (r) => (r.isOk() ? ok(r.value) : f(r.error)))`; `f` must not throw (as for
 * neverthrow's own callbacks, a throw rejects the promise inside).
 */
export function settled<T, E, U, F>(
  result: ResultAsync<T, E>,
  f: (settledResult: Result<T, E>) => Result<U, F> | ResultAsync<U, F>,
): ResultAsync<U, F> {
  // `ResultAsync.then` is its inner promise's `then`: a native promise, typed as PromiseLike only.
  return new ResultAsync(result.then(f) as Promise<Result<U, F>>);
}
