/**
 * A keyed, in-process mutex. Entra answers concurrent federated-credential writes to one app with
 * 409 (docs/reference/graph.md §5: "create FICs sequentially per parent identity"), so writes to one app queue here.
 */
const tails = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier `withLock(key, …)` has settled; never rejects on their behalf. */
export async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => current);
  tails.set(key, tail);
  try {
    await previous;
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
