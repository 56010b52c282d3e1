/**
 * Paging, written once. Each service's list call yields pages; a failed page ends the iteration
 * with one `Err`. Nothing collects without a cap.
 */
import { err, ok, type Result, ResultAsync } from 'neverthrow';

/** One page: its items and the cursor of the next page (a next link or a continuation token). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string | undefined;
}

/**
 * Iterates pages: calls `fetchPage(undefined)`, then `fetchPage(next)` while a cursor comes back.
 * Yields `Ok(items)` per page, or one `Err` and stops. A cursor seen twice stops the loop (a
 * server bug must not mean an endless loop).
 */
export async function* pages<T, E>(
  fetchPage: (cursor: string | undefined) => ResultAsync<Page<T>, E>,
): AsyncGenerator<Result<readonly T[], E>, void, undefined> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(cursor);
    if (page.isErr()) {
      yield err(page.error);
      return;
    }
    yield ok(page.value.items);
    const next = page.value.next;
    if (!next || seen.has(next)) return;
    seen.add(next);
    cursor = next;
  }
}

/** Thrown-free "too many items" error for {@link collect}. */
export interface LimitExceededError {
  readonly kind: 'LimitExceeded';
  readonly limit: number;
  readonly message: string;
}

/** Collects every item of a paged listing, failing with `LimitExceeded` past `max` items. */
export function collect<T, E>(iterable: AsyncIterable<Result<readonly T[], E>>, max: number): ResultAsync<T[], E | LimitExceededError> {
  return new ResultAsync(
    (async (): Promise<Result<T[], E | LimitExceededError>> => {
      const out: T[] = [];
      for await (const page of iterable) {
        if (page.isErr()) return err(page.error);
        out.push(...page.value);
        if (out.length > max) {
          return err({ kind: 'LimitExceeded', limit: max, message: `More than ${max} items; narrow the query.` });
        }
      }
      return ok(out);
    })(),
  );
}
