/**
 * Managed identities and their federated credentials by ARM resource id, for rollback and prune:
 * parse the id, delete under the identity's credential lock, and the `az` command that removes one
 * by hand. @internal
 */
import {
  type ArmClient,
  deleteIdentityFederatedCredential,
  deleteUserAssignedIdentity,
  type ManagedIdentityRef,
  userAssignedIdentityPath,
} from '@wif/arm';
import { type OperationOptions, validationError } from '@wif/http';
import { errAsync, ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import { credentialLockKey, withLock } from '../_internal/lock';
import { readIdentityCredentials } from '../steps/bindManagedIdentityCredential';

const ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)(?:\/federatedIdentityCredentials\/([^/]+))?$/i;

/** The identity (and credential name) an ARM id names, or `undefined` for another id. */
export function parseIdentityId(id: string): { readonly identity: ManagedIdentityRef; readonly credential?: string } | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  const [, subscriptionId = '', resourceGroup = '', name = '', credential] = m.map((x) => (x === undefined ? x : decodeURIComponent(x)));
  return { identity: { subscriptionId, resourceGroup, name }, ...(credential !== undefined ? { credential } : {}) };
}

/**
 * The user-assigned identity a managed identity's service principal names: its ARM id, among the
 * principal's `alternativeNames` (https://learn.microsoft.com/graph/api/resources/serviceprincipal
 * documents "full resource IDs for managed identities", not the exact entries: any other is ignored).
 */
export function identityOfPrincipal(sp: {
  readonly servicePrincipalType?: string | null | undefined;
  readonly alternativeNames?: readonly string[] | null | undefined;
}): ManagedIdentityRef | undefined {
  if (sp.servicePrincipalType !== 'ManagedIdentity') return undefined;
  for (const name of sp.alternativeNames ?? []) {
    const parsed = parseIdentityId(name);
    if (parsed && parsed.credential === undefined) return parsed.identity;
  }
  return undefined;
}

const notAnIdentity = (id: string): ResultAsync<never, WifError> =>
  errAsync(validationError([{ path: 'id', message: `${id} is not a managed identity resource id` }]));

/** Deletes one identity credential by its ARM id, under the identity's credential lock. */
export function deleteIdentityCredentialById(arm: ArmClient, id: string, o: OperationOptions): ResultAsync<unknown, WifError> {
  const parsed = parseIdentityId(id);
  if (!parsed?.credential) return notAnIdentity(id);
  const { identity, credential } = parsed;
  return new ResultAsync(
    withLock(credentialLockKey('managedIdentity', arm, userAssignedIdentityPath(identity)), async () =>
      deleteIdentityFederatedCredential(arm, identity, credential, o),
    ),
  );
}

/**
 * Deletes an identity unless a federated credential is still on it (another connection uses it):
 * `deleted`, or `kept`. Read and delete happen under the identity's credential lock, so no
 * credential is bound in between by this process.
 */
export function deleteIdentityIfUnused(arm: ArmClient, id: string, o: OperationOptions): ResultAsync<'deleted' | 'kept', WifError> {
  const parsed = parseIdentityId(id);
  if (!parsed) return notAnIdentity(id);
  const { identity } = parsed;
  return new ResultAsync(
    withLock(credentialLockKey('managedIdentity', arm, userAssignedIdentityPath(identity)), async () =>
      readIdentityCredentials({ arm }, identity, o).andThen((credentials) =>
        credentials.length > 0
          ? ResultAsync.fromSafePromise<'deleted' | 'kept', WifError>(Promise.resolve('kept'))
          : deleteUserAssignedIdentity(arm, identity, o).map(() => 'deleted' as const),
      ),
    ),
  );
}

/** The Azure CLI command that removes an identity or one of its credentials by hand. */
export function identityRemovalCommand(kind: 'managedIdentity' | 'identityCredential', id: string): string {
  const p = parseIdentityId(id);
  if (kind === 'managedIdentity' || !p?.credential) return `az identity delete --ids ${id}`;
  const { subscriptionId, resourceGroup, name } = p.identity;
  return `az identity federated-credential delete --identity-name ${name} --resource-group ${resourceGroup} --subscription ${subscriptionId} --name ${p.credential} --yes`;
}
