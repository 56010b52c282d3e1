/**
 * `apply --prune`: deletes an orphan (a managed connection the spec no longer names) completely, in
 * this order: its pipeline permissions, its checks, the connection from every project it is in, its federated
 * credentials, its role assignments, its service principal, its app. Only an orphan the plan found
 * `managed` (wif's marker on the connection and the tag on its app) is touched; a `404` is gone
 * already. @internal
 */
import { deleteRoleAssignmentById } from '@wif/arm';
import { deleteCheckConfiguration, deleteServiceEndpoint, getServiceEndpoint, updatePipelinePermissions } from '@wif/devops';
import { deleteApplication, deleteFederatedIdentityCredential, deleteServicePrincipal } from '@wif/graph';
import { okAsync, type ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import type { OrphanPlan } from './_orphans';
import { deleteIdentityCredentialById, deleteIdentityIfUnused, identityRemovalCommand } from './_identityRefs';
import { checkRemovalCommand } from './_rollback';
import type { WifClients } from './clients';
import type { AppliedResource, Leftover, OrphanReport, PlannedResource } from './types';

export type { OrphanReport };

const gone = <T>(r: ResultAsync<T, WifError>): ResultAsync<unknown, WifError> =>
  r.orElse((e) => (e.kind === 'NotFound' ? okAsync(undefined) : r));

function command(clients: WifClients, o: OrphanPlan, part: PlannedResource, appObjectId: string): string {
  switch (part.kind) {
    case 'check':
      return checkRemovalCommand(clients.devops.transport.baseUrl, o.projectId, part.id ?? '');
    case 'securityRole':
    case 'pipelinePermission':
    case 'projectShare':
    case 'serviceConnection':
      return `az devops service-endpoint delete --id ${o.connectionId} --project ${o.projectId} --yes`;
    case 'federatedCredential':
      return `az ad app federated-credential delete --id ${appObjectId} --federated-credential-id ${part.id ?? ''}`;
    case 'roleAssignment':
      return `az role assignment delete --ids ${part.id ?? ''}`;
    case 'servicePrincipal':
      return `az ad sp delete --id ${part.id ?? ''}`;
    case 'application':
      return `az ad app delete --id ${part.id ?? ''}`;
    case 'appSecret':
      return `az ad app credential delete --id ${appObjectId} --key-id ${part.id ?? ''}`;
    case 'managedIdentity':
    case 'identityCredential':
      return identityRemovalCommand(part.kind, part.id ?? '');
  }
}

function deletePart(
  clients: WifClients,
  o: OrphanPlan,
  part: PlannedResource,
  appObjectId: string,
  opts: { abortSignal?: AbortSignal },
): ResultAsync<unknown, WifError> {
  const id = part.id ?? '';
  switch (part.kind) {
    case 'check':
      return deleteCheckConfiguration(clients.devops, o.projectId, Number(id), opts);
    case 'securityRole':
      return okAsync(undefined); // the connection's roles go with it
    case 'pipelinePermission': {
      const pipelines = part.changes
        .filter((c) => c.field === 'pipeline' && c.from)
        .map((c) => ({ id: Number(c.from), authorized: false }));
      const closeAll = part.changes.some((c) => c.field === 'allPipelines');
      return gone(
        updatePipelinePermissions(
          clients.devops,
          o.projectId,
          { type: 'endpoint', id: o.connectionId },
          { ...(pipelines.length > 0 ? { pipelines } : {}), ...(closeAll ? { allPipelines: { authorized: false } } : {}) },
          opts,
        ),
      );
    }
    case 'serviceConnection':
    case 'projectShare':
      // Re-read the projects it is in now: a share made since the plan must go too.
      return gone(
        getServiceEndpoint(clients.devops, o.projectId, o.connectionId, opts).andThen((e) => {
          const ids = (e.serviceEndpointProjectReferences ?? []).flatMap((r) => (r.projectReference?.id ? [r.projectReference.id] : []));
          const projects = [o.projectId, ...ids.filter((x) => x.toLowerCase() !== o.projectId.toLowerCase())];
          return deleteServiceEndpoint(clients.devops, o.connectionId, projects, {}, opts);
        }),
      );
    case 'federatedCredential':
      return gone(deleteFederatedIdentityCredential(clients.graph, appObjectId, id, opts));
    case 'roleAssignment':
      return gone(deleteRoleAssignmentById(clients.arm, id, opts));
    case 'servicePrincipal':
      return gone(deleteServicePrincipal(clients.graph, id, opts));
    case 'application':
      return gone(deleteApplication(clients.graph, id, opts));
    case 'appSecret':
      return okAsync(undefined); // an orphan's secrets go with its app (the orphan plan lists none)
    case 'identityCredential':
      return gone(deleteIdentityCredentialById(clients.arm, id, opts));
    case 'managedIdentity':
      // Re-checked under the identity's lock: a credential bound since the plan keeps it.
      return gone(deleteIdentityIfUnused(clients.arm, id, opts));
  }
}

/** Deletes the parts of a managed orphan, one after the other; a part that fails is a leftover and the rest go on. */
export async function pruneOrphan(clients: WifClients, o: OrphanPlan, opts: { abortSignal?: AbortSignal }): Promise<OrphanReport> {
  const head = { project: o.project, name: o.name, connectionId: o.connectionId };
  if (!o.managed) return { ...head, status: 'kept', resources: [], leftovers: [] };
  const appObjectId = o.resources.find((r) => r.kind === 'application')?.id ?? '';
  const resources: AppliedResource[] = [];
  const leftovers: Leftover[] = [];
  for (const part of o.resources) {
    const r = await deletePart(clients, o, part, appObjectId, opts);
    if (r.isOk())
      resources.push({
        kind: part.kind,
        name: part.name,
        id: part.id ?? '',
        outcome: r.value === 'kept' ? 'reported' : 'deleted',
        changes: part.changes,
      });
    else
      leftovers.push({
        kind: part.kind,
        name: part.name,
        id: part.id ?? '',
        error: r.error,
        command: command(clients, o, part, appObjectId),
      });
  }
  return { ...head, status: leftovers.length > 0 ? 'prune-incomplete' : 'deleted', resources, leftovers };
}
