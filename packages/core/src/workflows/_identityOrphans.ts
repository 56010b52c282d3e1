/**
 * Orphans on a managed identity: a managed connection (wif's marker) the spec no longer names whose
 * `serviceprincipalid` is the `clientId` of an identity in a resource group the spec's
 * managed-identity connections use. No Graph request. What `apply --prune` deletes:
 *
 * - its pipeline permissions, the connection (from every project), and its credentials on the
 *   identity (`ado-sc-{connection id}…`);
 * - the identity itself, with the role assignments of its principal, only when wif made it (tag
 *   `wif:managed`), the spec names it for no connection, and no credential of another connection is
 *   on it (an identity shared by several connections is kept while any of them remains). When
 *   several orphans share it, the last one carries the identity's deletion.
 * @internal
 */
import { type ArmClient, listUserAssignedIdentities, type UserAssignedIdentity } from '@wif/arm';
import { authParameter, getPipelinePermissions, type ServiceEndpoint } from '@wif/devops';
import { collect, type OperationOptions } from '@wif/http';
import { ok, ResultAsync, safeTry } from 'neverthrow';
import { WIF_MANAGED_TAG } from '../constants';
import type { WifError } from '../errors';
import { credentialNameFor } from '../steps/bindFederatedCredential';
import { readIdentityCredentials } from '../steps/bindManagedIdentityCredential';
import type { DesiredManagedIdentity, ResolvedSpec } from '../spec/load';
import { targetFromData, targetListScope } from '../target';
import { parseIdentityId } from './_identityRefs';
import { identityKey } from '../_internal/identityNames';
import { assignmentLabel, listPrincipalAssignments } from './_roles';
import type { WifClients } from './clients';
import type { OrphanPlan } from './_orphans';
import type { PlannedResource } from './types';

/**
 * The identities (by lower-case `clientId`) in the resource groups the spec's managed-identity
 * connections use: one list per resource group. Empty when the spec names no managed identity.
 */
export function identitiesByClientId(
  arm: ArmClient,
  spec: ResolvedSpec,
  o: OperationOptions,
): ResultAsync<ReadonlyMap<string, UserAssignedIdentity>, WifError> {
  const groups = new Map<string, { subscriptionId: string; resourceGroup: string }>();
  for (const c of spec.connections) {
    const mi = c.managedIdentity;
    if (mi) groups.set(`${mi.subscriptionId}/${mi.resourceGroup}`.toLowerCase(), mi);
  }
  return ResultAsync.combine(
    [...groups.values()].map((g) => collect(listUserAssignedIdentities(arm, g.subscriptionId, g.resourceGroup, o), 5_000)),
  ).map((lists) => new Map(lists.flat().map((i) => [i.properties.clientId.toLowerCase(), i])));
}

/** The client id of a spec identity among `byClientId` (see {@link identitiesByClientId}); `undefined` while it does not exist. */
export function clientIdIn(byClientId: ReadonlyMap<string, UserAssignedIdentity>): (mi: DesiredManagedIdentity) => string | undefined {
  const byPath = new Map<string, string>();
  for (const i of byClientId.values()) {
    const ref = parseIdentityId(i.id)?.identity;
    if (ref) byPath.set(identityKey(ref), i.properties.clientId);
  }
  return (mi) => byPath.get(identityKey(mi));
}

const del = (kind: PlannedResource['kind'], name: string, id: string): PlannedResource => ({
  kind,
  action: 'delete',
  name,
  id,
  changes: [],
});

/** Reads what `--prune` deletes for the orphans on one identity (`group`, in the order they are pruned). */
export function readIdentityOrphans(
  clients: WifClients,
  spec: ResolvedSpec,
  identity: UserAssignedIdentity,
  group: readonly { readonly project: { readonly id: string; readonly name: string }; readonly e: ServiceEndpoint }[],
  o: OperationOptions,
): ResultAsync<OrphanPlan[], WifError> {
  const ref = parseIdentityId(identity.id)?.identity;
  return safeTry(async function* () {
    const credentials = ref ? yield* readIdentityCredentials({ arm: clients.arm }, ref, o) : [];
    const prefixes = group.map(({ e }) => credentialNameFor(e.id));
    const othersRemain = credentials.some((f) => !prefixes.some((p) => f.name.toLowerCase().startsWith(p)));
    const namedInSpec = spec.connections.some((c) => c.managedIdentity && ref && identityKey(c.managedIdentity) === identityKey(ref));
    const tagged = identity.tags?.[WIF_MANAGED_TAG] !== undefined;
    const deleteIdentity = tagged && !namedInSpec && !othersRemain;
    const scopes = group.flatMap(({ e }) => {
      const t = targetFromData(e.data);
      return t ? [targetListScope(t)] : [];
    });
    const assignments = deleteIdentity ? yield* listPrincipalAssignments(clients.arm, scopes, identity.properties.principalId, o) : [];
    const why = !tagged
      ? `not tagged ${WIF_MANAGED_TAG}`
      : namedInSpec
        ? 'the spec still names it'
        : othersRemain
          ? 'other connections have credentials on it'
          : '';
    const plans: OrphanPlan[] = [];
    for (const [i, { project, e }] of group.entries()) {
      const last = i === group.length - 1;
      const projects = (e.serviceEndpointProjectReferences ?? []).flatMap((r) =>
        r.projectReference?.id ? [{ id: r.projectReference.id, name: r.projectReference.name ?? r.name }] : [],
      );
      const perms = yield* getPipelinePermissions(clients.devops, project.id, { type: 'endpoint', id: e.id }, o);
      const authorized = (perms.pipelines ?? []).filter((p) => p.authorized).map((p) => String(p.id));
      const ours = credentialNameFor(e.id);
      const resources: PlannedResource[] = [
        ...(authorized.length > 0 || perms.allPipelines?.authorized === true
          ? [
              {
                ...del('pipelinePermission', 'pipeline permissions', e.id),
                changes: [
                  ...authorized.map((id) => ({ field: 'pipeline', from: id, to: null })),
                  ...(perms.allPipelines?.authorized === true ? [{ field: 'allPipelines', from: 'true', to: 'false' }] : []),
                ],
              },
            ]
          : []),
        { ...del('serviceConnection', e.name, e.id), changes: projects.map((p) => ({ field: 'project', from: p.name, to: null })) },
        ...credentials.filter((f) => f.name.toLowerCase().startsWith(ours)).map((f) => del('identityCredential', f.name, f.id)),
        ...(deleteIdentity && last
          ? [...assignments.map((a) => del('roleAssignment', assignmentLabel(a), a.id)), del('managedIdentity', identity.name, identity.id)]
          : []),
      ];
      plans.push({
        project: project.name,
        projectId: project.id,
        name: e.name,
        connectionId: e.id,
        appId: authParameter(e, 'serviceprincipalid') ?? '',
        projects,
        managed: true,
        resources,
        note: `managed by wif and not in the spec: deleted by apply --prune, with its credentials on managed identity ${identity.name}${
          deleteIdentity ? (last ? ' and the identity itself' : '') : ` (the identity is kept: ${why})`
        }`,
      });
    }
    return ok(plans);
  });
}
