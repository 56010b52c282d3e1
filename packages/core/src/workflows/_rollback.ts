/**
 * Rollback of a connection that failed half-way: what this run created for it is removed in
 * reverse order of creation — credential, connection, role assignments, service principal, app.
 */
import type { OperationOptions } from '@wif/http';
import { deleteRoleAssignmentById } from '@wif/arm';
import { deleteCheckConfiguration, deleteServiceEndpoint, getServiceEndpoint } from '@wif/devops';
import { deleteApplication, deleteFederatedIdentityCredential, deleteServicePrincipal } from '@wif/graph';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import { type ReplicationRetryOptions, retryThroughReplication } from '../_internal/replication';
import type { WifClients } from './clients';
import type { Leftover } from './types';

/** Something a run created, with what it takes to delete it. */
export type CreatedResource =
  | { readonly kind: 'application'; readonly id: string; readonly name: string }
  | { readonly kind: 'servicePrincipal'; readonly id: string; readonly name: string }
  | { readonly kind: 'roleAssignment'; readonly id: string; readonly name: string }
  | { readonly kind: 'serviceConnection'; readonly id: string; readonly name: string; readonly projectId: string }
  | { readonly kind: 'federatedCredential'; readonly id: string; readonly name: string; readonly appObjectId: string }
  | {
      readonly kind: 'check';
      readonly id: string;
      readonly name: string;
      readonly projectId: string;
      /** The organization's Azure DevOps URL, for the removal command. */
      readonly organizationUrl: string;
    };

const ORDER: readonly CreatedResource['kind'][] = [
  'check',
  'federatedCredential',
  'serviceConnection',
  'roleAssignment',
  'servicePrincipal',
  'application',
];

const isNotFound = (e: { kind: string }): boolean => e.kind === 'NotFound';

function remove(clients: WifClients, x: CreatedResource, opts: { abortSignal?: AbortSignal }): ResultAsync<unknown, WifError> {
  switch (x.kind) {
    case 'check':
      return deleteCheckConfiguration(clients.devops, x.projectId, Number(x.id), opts);
    case 'federatedCredential':
      return deleteFederatedIdentityCredential(clients.graph, x.appObjectId, x.id, opts);
    case 'serviceConnection':
      // Shared since it was created: delete it from every project it is in now, not only its own
      // (a delete names the projects; one left out keeps the connection there).
      // When it cannot be re-read (not a 404), its own project is all we know: delete it there.
      return getServiceEndpoint(clients.devops, x.projectId, x.id, opts)
        .map((e) => (e.serviceEndpointProjectReferences ?? []).flatMap((r) => (r.projectReference?.id ? [r.projectReference.id] : [])))
        .orElse((e) => (e.kind === 'NotFound' ? errAsync(e) : okAsync([] as string[])))
        .andThen((ids) => {
          const projects = [x.projectId, ...ids.filter((id) => id.toLowerCase() !== x.projectId.toLowerCase())];
          return deleteServiceEndpoint(clients.devops, x.id, projects, {}, opts);
        });
    case 'roleAssignment':
      return deleteRoleAssignmentById(clients.arm, x.id, opts);
    case 'servicePrincipal':
      return deleteServicePrincipal(clients.graph, x.id, opts);
    case 'application':
      return deleteApplication(clients.graph, x.id, opts);
  }
}

/**
 * The command that deletes a check by hand: `az rest` with an Azure DevOps token (499b84ac-… is the
 * Azure DevOps resource), as the Azure CLI has no command for checks
 * (learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations/delete?view=azure-devops-rest-7.1).
 */
export function checkRemovalCommand(organizationUrl: string, projectId: string, id: string): string {
  return `az rest --method delete --resource 499b84ac-1321-427f-aa17-267ca6975798 --url "${organizationUrl.replace(/\/+$/, '')}/${projectId}/_apis/pipelines/checks/configurations/${id}?api-version=7.1-preview.1"`;
}

/**
 * The Azure CLI command that removes a resource by hand (printed with a leftover). The connection
 * command names its own project; one shared into others must be removed from those too.
 */
export function removalCommand(x: CreatedResource): string {
  switch (x.kind) {
    case 'check':
      return checkRemovalCommand(x.organizationUrl, x.projectId, x.id);
    case 'federatedCredential':
      return `az ad app federated-credential delete --id ${x.appObjectId} --federated-credential-id ${x.id}`;
    case 'serviceConnection':
      return `az devops service-endpoint delete --id ${x.id} --project ${x.projectId} --yes`;
    case 'roleAssignment':
      return `az role assignment delete --ids ${x.id}`;
    case 'servicePrincipal':
      return `az ad sp delete --id ${x.id}`;
    case 'application':
      return `az ad app delete --id ${x.id}`;
  }
}

/**
 * Deletes `created`, kind by kind in reverse order of creation (same kind at once). The service
 * principal is deleted explicitly even when its app goes too: that Graph removes it with the app is
 * standard Entra behaviour but not stated on the API page (docs/reference/graph.md §3). A `404` right after a
 * create may be replication, so it is retried; one that outlasts the retries means the resource is
 * gone. Returns what could not be removed.
 */
export async function rollback(
  clients: WifClients,
  created: readonly CreatedResource[],
  options: { abortSignal?: AbortSignal; replication?: ReplicationRetryOptions },
): Promise<Leftover[]> {
  const opts: OperationOptions = options;
  const leftovers: Leftover[] = [];
  for (const kind of ORDER) {
    const batch = created.filter((x) => x.kind === kind);
    await Promise.all(
      batch.map(async (x) => {
        const r = await retryThroughReplication(
          () => remove(clients, x, opts),
          isNotFound,
          options.replication ?? { maxAttempts: 4 },
          options.abortSignal,
        );
        if (r.isErr() && !isNotFound(r.error))
          leftovers.push({ kind: x.kind, id: x.id, name: x.name, error: r.error, command: removalCommand(x) });
      }),
    );
  }
  // Deleting the app took its credentials (a part of the application object) with it.
  const appDeleted = created.some((x) => x.kind === 'application') && !leftovers.some((l) => l.kind === 'application');
  return appDeleted ? leftovers.filter((l) => l.kind !== 'federatedCredential') : leftovers;
}
