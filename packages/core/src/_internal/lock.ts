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

/**
 * The lock key of one credential parent — an application (Graph) or a user-assigned managed
 * identity (ARM) — on one service endpoint. Every write of a federated credential under that parent
 * (bind, replace, delete) takes this key, so writes to one parent never race; this is the only
 * place the key is built.
 */
export function credentialLockKey(serviceBaseUrl: string, parentId: string): string {
  return `${serviceBaseUrl}|${parentId.toLowerCase()}`;
}
