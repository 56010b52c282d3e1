/**
 * The Graph/ARM reads of the audit, each made once per run and shared by every connection that
 * needs it: the app by appId, its federated credentials by app object id, its service principal by
 * appId, and the broad role assignments at a scope (indexed by principal). Every read goes through
 * the {@link AdaptivePool}: the ARM pages directly, the Graph reads as the JSON batches `graph`
 * sends them in (see withGraphBatching). The caches keep only the few fields the checks use, and at most
 * `maxEntries` entries each (the oldest go first), so memory stays bounded on any organization.
 */
import {
  type ArmClient,
  BUILT_IN_ROLES,
  type IdentityFederatedCredential,
  listIdentityFederatedCredentials,
  listRoleAssignments,
  type ManagedIdentityRef,
  parseScope,
  PRIVILEGED_ROLE_IDS,
  roleDefinitionGuid,
} from '@wif/arm';
import {
  type FederatedIdentityCredential,
  getApplication,
  getServicePrincipal,
  type GraphClient,
  listFederatedIdentityCredentials,
} from '@wif/graph';
import type { LimitExceededError, TransportError } from '@wif/http';
import { err, ok, type Result } from 'neverthrow';
import type { AdaptivePool } from './_pool';
import { identityOfPrincipal } from '../workflows/_identityRefs';
import { identityKey } from '../_internal/identityNames';

/** The app as the checks need it; `null` when Graph answered 404. */
/** A client secret or certificate on an app: which, and until when (never its value). */
export interface AppSecretFacts {
  readonly kind: 'secret' | 'certificate';
  readonly keyId: string;
  readonly displayName: string | null;
  readonly endDateTime: string | null;
}

export type AppFacts = { readonly id: string; readonly signInAudience: string; readonly secrets: readonly AppSecretFacts[] } | null;
/** A federated credential as the checks need it. */
export type CredentialFacts = Pick<FederatedIdentityCredential, 'name' | 'issuer' | 'subject' | 'audiences'>;
/**
 * A service principal as the checks need it; `null` when Graph answered 404. `managedIdentity`: its
 * `servicePrincipalType` is `ManagedIdentity` (a managed identity's client id has no application
 * object in any tenant; https://learn.microsoft.com/graph/api/resources/serviceprincipal).
 */
export type PrincipalFacts = {
  readonly id: string;
  readonly managedIdentity: boolean;
  /** The user-assigned identity the principal names (its ARM id among its `alternativeNames`). */
  readonly identity?: ManagedIdentityRef;
} | null;
/** A role assignment the audit reports (privileged or Contributor, at the root, a management group or a subscription). */
export interface BroadAssignment {
  readonly id: string;
  readonly roleGuid: string;
  readonly scope: string;
  readonly level: 'root' | 'managementGroup' | 'subscription';
}

/** Most assignments read at one scope; more is read as a failure rather than kept in memory. */
const MAX_ASSIGNMENTS_PER_SCOPE = 50_000;

class BoundedCache<V> {
  readonly #map = new Map<string, Promise<V>>();
  constructor(readonly maxEntries: number) {}
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#map.get(key);
    if (hit) return hit;
    const value = load();
    this.#map.set(key, value);
    if (this.#map.size > this.maxEntries) this.#map.delete(this.#map.keys().next().value as string);
    return value;
  }
}

export interface IdentityReader {
  app(appId: string): Promise<Result<AppFacts, TransportError>>;
  credentials(appObjectId: string): Promise<Result<readonly CredentialFacts[], TransportError>>;
  servicePrincipal(appId: string): Promise<Result<PrincipalFacts, TransportError>>;
  /** The federated credentials of a managed identity (ARM); `null` when ARM is not read or the identity is gone. */
  identityCredentials(ref: ManagedIdentityRef): Promise<Result<readonly IdentityFederatedCredential[] | null, TransportError>>;
  /** The broad assignments of `principalId` at or above `scope`. */
  broadRoles(scope: string, principalId: string): Promise<Result<readonly BroadAssignment[], TransportError | LimitExceededError>>;
}

export function createIdentityReader(
  clients: { readonly graph: GraphClient; readonly arm?: ArmClient | undefined },
  pool: AdaptivePool,
  options: { readonly abortSignal: AbortSignal; readonly maxEntries?: number },
): IdentityReader {
  const { graph, arm } = clients;
  const opts = { abortSignal: options.abortSignal };
  const max = options.maxEntries ?? 20_000;
  const apps = new BoundedCache<Result<AppFacts, TransportError>>(max);
  const credentials = new BoundedCache<Result<readonly CredentialFacts[], TransportError>>(max);
  const principals = new BoundedCache<Result<PrincipalFacts, TransportError>>(max);
  const identityCredentials = new BoundedCache<Result<readonly IdentityFederatedCredential[] | null, TransportError>>(max);
  const scopes = new BoundedCache<Result<ReadonlyMap<string, readonly BroadAssignment[]>, TransportError | LimitExceededError>>(
    Math.min(max, 1_000),
  );

  const notFoundAsNull = <T, U>(r: Result<T, TransportError>, pick: (v: T) => U): Result<U | null, TransportError> =>
    r.isOk() ? ok(pick(r.value)) : r.error.kind === 'NotFound' ? ok(null) : err(r.error);

  return {
    app: (appId) =>
      apps.get(appId.toLowerCase(), async () =>
        notFoundAsNull(
          await getApplication(graph, { appId }, { ...opts, select: ['signInAudience', 'passwordCredentials', 'keyCredentials'] }),
          (a) => ({
            id: a.id,
            signInAudience: a.signInAudience ?? 'AzureADMyOrg',
            secrets: [
              ...(a.passwordCredentials ?? []).map((c) => secretFacts('secret', c)),
              ...(a.keyCredentials ?? []).map((c) => secretFacts('certificate', c)),
            ],
          }),
        ),
      ),
    credentials: (appObjectId) =>
      credentials.get(appObjectId, async () =>
        (await listFederatedIdentityCredentials(graph, appObjectId, opts)).map((list) =>
          list.map((c) => ({ name: c.name, issuer: c.issuer, subject: c.subject, audiences: c.audiences })),
        ),
      ),
    servicePrincipal: (appId) =>
      principals.get(appId.toLowerCase(), async () =>
        notFoundAsNull(await getServicePrincipal(graph, { appId }, opts), (sp) => {
          const identity = identityOfPrincipal(sp);
          return { id: sp.id, managedIdentity: sp.servicePrincipalType === 'ManagedIdentity', ...(identity ? { identity } : {}) };
        }),
      ),
    // One read per identity for the run, through the pool: an identity holds at most 20 federated
    // credentials, so one page of 20 has them all.
    identityCredentials: async (ref) => {
      if (!arm) return ok(null);
      return identityCredentials.get(identityKey(ref), async () => {
        const pages = listIdentityFederatedCredentials(arm, ref, { top: 20 }, opts);
        const first = await pool.run(async () => {
          const page = await pages.next();
          return page.done ? ok<readonly IdentityFederatedCredential[]>([]) : page.value;
        });
        await pages.return();
        return notFoundAsNull(first, (list) => list);
      });
    },
    broadRoles: async (scope, principalId) => {
      if (!arm) return ok([]);
      // Broad roles live at the subscription or above: one read at the subscription serves every
      // resource group in it (atScope() there lists what is at or above the subscription).
      const at = readAt(scope);
      const byPrincipal = await scopes.get(at.toLowerCase(), () => readScope(arm, pool, at, opts));
      return byPrincipal.map((m) => m.get(principalId.toLowerCase()) ?? []);
    },
  };
}

/** The scope whose assignments hold every broad role of `scope`: its subscription, or itself (a management group, the root). */
function readAt(scope: string): string {
  const sub = /^\/subscriptions\/[^/]+/i.exec(scope);
  return sub ? sub[0] : scope;
}

/**
 * Every assignment at or above `scope` (`$filter=atScope()`: inherited from management groups and
 * the root, and at the scope itself; none below it), one read per scope however many connections
 * target it, keeping only the broad ones, grouped by principal. Each page is read through the pool.
 * https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope
 */
async function readScope(
  arm: ArmClient,
  pool: AdaptivePool,
  scope: string,
  opts: { abortSignal: AbortSignal },
): Promise<Result<ReadonlyMap<string, readonly BroadAssignment[]>, TransportError | LimitExceededError>> {
  const byPrincipal = new Map<string, BroadAssignment[]>();
  const pages = listRoleAssignments(arm, scope, { atScope: true }, opts);
  let read = 0;
  for (;;) {
    // Not retried by the pool: a paged listing that failed has ended.
    const next = await pool.run(
      async () => {
        const page = await pages.next();
        return page.done ? ok(undefined) : page.value.map((v) => v);
      },
      { retryThrottled: false },
    );
    if (next.isErr()) return err(next.error);
    if (next.value === undefined) break;
    read += next.value.length;
    if (read > MAX_ASSIGNMENTS_PER_SCOPE) {
      await pages.return();
      return err({
        kind: 'LimitExceeded',
        limit: MAX_ASSIGNMENTS_PER_SCOPE,
        message: `More than ${MAX_ASSIGNMENTS_PER_SCOPE} role assignments at ${scope}.`,
      });
    }
    for (const a of next.value) {
      const guid = roleDefinitionGuid(a.properties.roleDefinitionId) ?? '';
      if (!PRIVILEGED_ROLE_IDS.has(guid) && guid !== (BUILT_IN_ROLES.Contributor as string)) continue;
      const at = a.properties.scope;
      const level =
        at === '/'
          ? 'root'
          : parseScope(at)
              .map((p) => p.level)
              .unwrapOr('resource');
      if (level !== 'root' && level !== 'subscription' && level !== 'managementGroup') continue;
      const key = a.properties.principalId.toLowerCase();
      const list = byPrincipal.get(key) ?? [];
      list.push({ id: a.id, roleGuid: guid, scope: at, level });
      byPrincipal.set(key, list);
    }
  }
  return ok(byPrincipal);
}

function secretFacts(
  kind: AppSecretFacts['kind'],
  c: { keyId?: string | null | undefined; displayName?: string | null | undefined; endDateTime?: string | null | undefined },
): AppSecretFacts {
  return { kind, keyId: c.keyId ?? '', displayName: c.displayName ?? null, endDateTime: c.endDateTime ?? null };
}
