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

/** Whose federated identity credentials a write changes: an app registration (Graph) or a user-assigned managed identity (ARM). */
export type CredentialParentKind = 'application' | 'managedIdentity';

/**
 * The one lock key for writes to the federated identity credentials of one parent. Every write
 * (create, update, delete) under that parent must take it, or two writes to one app or identity stop
 * being serialised and the service answers 409. `client` is the Graph or ARM client doing the write
 * (its base URL keeps two clouds or emulators in one process apart); ids compare case-insensitively.
 */
export function credentialLockKey(
  kind: CredentialParentKind,
  client: { readonly transport: { readonly baseUrl: string } },
  id: string,
): string {
  return `credentials|${kind}|${client.transport.baseUrl}|${id.toLowerCase()}`;
}
