/**
 * Replication-aware reads. Right after wif creates a service principal, Graph may still answer 404
 * for it by appId for a few seconds (Entra replicates directory writes; see
 * https://learn.microsoft.com/graph/best-practices-concept#handling-expected-errors). A principal
 * wif created moments ago is therefore not "missing":
 *
 * - the rule: when the app exists and was registered less than {@link RECENT_APP_WINDOW_IN_MS} ago,
 *   a 404 for its principal is read again with bounded backoff (default 6 attempts, 1 s doubling to
 *   at most 4 s: about 15 s in all) before the plan says `create`;
 * - an older app's principal that answers 404 is missing: one read, no wait.
 * @internal
 */
import { type Application, getServicePrincipal, type GraphClient, type ServicePrincipal } from '@wif/graph';
import type { TransportError, OperationOptions } from '@wif/http';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { type ReplicationRetryOptions, retryThroughReplication } from '../_internal/replication';

/** How long after an app's registration a missing principal is taken for replication delay. */
export const RECENT_APP_WINDOW_IN_MS = 15 * 60_000;

const PLAN_REPLICATION: ReplicationRetryOptions = { maxAttempts: 6, delayInMs: 1_000, maxDelayInMs: 4_000 };

/** Whether a 404 for the app's principal may be replication delay (the app is younger than the window). */
export function isRecentApp(app: Pick<Application, 'createdDateTime'>): boolean {
  const created = app.createdDateTime ? Date.parse(app.createdDateTime) : Number.NaN;
  return Number.isFinite(created) && Date.now() - created < RECENT_APP_WINDOW_IN_MS;
}

/** The app's service principal, or `undefined` when it has none (after the replication rule above). */
export function readServicePrincipal(
  graph: GraphClient,
  app: Pick<Application, 'appId' | 'createdDateTime'>,
  options: { readonly abortSignal?: AbortSignal; readonly replication?: ReplicationRetryOptions },
): ResultAsync<ServicePrincipal | undefined, TransportError | { kind: 'Aborted'; message: string }> {
  const o: OperationOptions = options;
  const recent = isRecentApp(app);
  const read = (): ResultAsync<ServicePrincipal, TransportError> => getServicePrincipal(graph, { appId: app.appId }, o);
  const attempt = recent
    ? retryThroughReplication(read, (e) => e.kind === 'NotFound', options.replication ?? PLAN_REPLICATION, options.abortSignal)
    : read();
  return attempt.map((sp): ServicePrincipal | undefined => sp).orElse((e) => (e.kind === 'NotFound' ? okAsync(undefined) : errAsync(e)));
}
