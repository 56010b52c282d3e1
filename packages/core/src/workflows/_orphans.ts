/**
 * Orphans: connections wif manages that the spec no longer names. "Managed" takes both marks: wif's
 * marker at the end of the connection's description and the `wif:managed` tag on its app. A
 * connection with the marker but an untagged app is listed as not managed and never deleted.
 * Connections on a managed identity are read in `_identityOrphans.ts` (no Graph request).
 * @internal
 */
import type { OperationOptions } from '@wif/http';
import { type ServiceEndpoint, authParameter, getPipelinePermissions, listCheckConfigurations } from '@wif/devops';
import { type Application, getApplication, getServicePrincipal, listFederatedIdentityCredentials, type ServicePrincipal } from '@wif/graph';
import { errAsync, ok, okAsync, ResultAsync, safeTry } from 'neverthrow';
import { WIF_MANAGED_TAG } from '../constants';
import type { WifError } from '../errors';
import { credentialNameFor } from '../steps/bindFederatedCredential';
import type { ResolvedSpec } from '../spec/load';
import { targetFromData, targetListScope } from '../target';
import { hasMarker } from './_desired';
import { isRecentApp, readServicePrincipal } from './_read';
import { assignmentLabel, listPrincipalAssignments } from './_roles';
import type { WifClients } from './clients';
import { directReads, type RunReads } from '../_internal/runReads';
import type { PlannedResource } from './types';
import { clientIdIn, identitiesByClientId, readIdentityOrphans } from './_identityOrphans';
import { pairedOnIdentities } from './_identityRename';
import type { UserAssignedIdentity } from '@wif/arm';

/** A managed connection the spec no longer names, and what `apply --prune` deletes for it. */
export interface OrphanPlan {
  /** The project it was found in (its owner when it is shared). */
  readonly project: string;
  readonly projectId: string;
  readonly name: string;
  readonly connectionId: string;
  readonly appId: string;
  /** Both wif marks present: `apply --prune` deletes it; otherwise it is only reported. */
  readonly managed: boolean;
  /** Every project the connection is in: it is deleted from each. */
  readonly projects: readonly { readonly id: string; readonly name: string }[];
  /** The parts `--prune` deletes, in order of deletion, each with action `delete` (empty when not managed). */
  readonly resources: readonly PlannedResource[];
  readonly note: string;
}

const del = (kind: PlannedResource['kind'], name: string, id: string, note?: string): PlannedResource => ({
  kind,
  action: 'delete',
  name,
  id,
  changes: [],
  ...(note ? { note } : {}),
});

const isWif = (e: ServiceEndpoint): boolean => (e.authorization?.scheme ?? '').toLowerCase() === 'workloadidentityfederation';

/**
 * Lists, in each project of the spec, the WIF connections that carry wif's marker but that no spec
 * connection names (nor uses the app of), and reads the parts `--prune` would delete. The lists are
 * read at once; `specAppIds` (the apps of the spec's connections, possibly still being planned) is
 * awaited only to filter them.
 * Calls `GET projects/{p}` and, at the same time, `GET {p}/_apis/serviceendpoint/endpoints?type=azurerm`
 * per project (through `reads`: the plan's connections share them), and per
 * orphan `GET applications(appId=…)`, its service principal, credentials, role assignments,
 * pipeline permissions and checks.
 */
export function findOrphans(
  clients: WifClients,
  spec: ResolvedSpec,
  specAppIds: ReadonlySet<string> | Promise<ReadonlySet<string>>,
  options: { readonly abortSignal?: AbortSignal },
  reads: RunReads = directReads(clients.devops, options),
): ResultAsync<OrphanPlan[], WifError> {
  const o: OperationOptions = options;
  const projects = [...new Map(spec.connections.map((c) => [c.project.toLowerCase(), c.project])).values()];
  return ResultAsync.combine(projects.map((p) => reads.projectConnections(p)))
    .andThen((lists) => ResultAsync.fromSafePromise(Promise.resolve(specAppIds)).map((ids) => ({ lists, ids })))
    .andThen(({ lists, ids }) => {
      const seen = new Set<string>();
      const candidates: { project: { id: string; name: string }; e: ServiceEndpoint }[] = [];
      for (const { project, all } of lists) {
        const named = new Set(
          spec.connections
            .filter((c) => c.project.toLowerCase() === project.name.toLowerCase() || c.project.toLowerCase() === project.id.toLowerCase())
            .map((c) => c.name.toLowerCase()),
        );
        for (const e of all) {
          const appId = authParameter(e, 'serviceprincipalid')?.toLowerCase() ?? '';
          if (!isWif(e) || !hasMarker(e.description) || named.has(e.name.toLowerCase()) || ids.has(appId)) continue;
          if (seen.has(e.id.toLowerCase())) continue;
          seen.add(e.id.toLowerCase());
          candidates.push({ project, e });
        }
      }
      if (candidates.length === 0) return okAsync([]);
      // A connection on one of the spec's managed identities is read from ARM (no Graph request).
      return identitiesByClientId(clients.arm, spec, o).andThen((byClientId) => {
        // A connection the plan finds on a managed identity under another name is not an orphan.
        const paired = new Set(lists.flatMap(({ project, all }) => [...pairedOnIdentities(spec, project, all, clientIdIn(byClientId))]));
        const onIdentity = new Map<string, { identity: UserAssignedIdentity; group: typeof candidates }>();
        const onApps: typeof candidates = [];
        for (const x of candidates) {
          if (paired.has(x.e.id.toLowerCase())) continue;
          const identity = byClientId.get(authParameter(x.e, 'serviceprincipalid')?.toLowerCase() ?? '');
          if (!identity) onApps.push(x);
          else {
            const entry = onIdentity.get(identity.id.toLowerCase()) ?? { identity, group: [] };
            entry.group.push(x);
            onIdentity.set(identity.id.toLowerCase(), entry);
          }
        }
        return ResultAsync.combine([
          ResultAsync.combine(onApps.map(({ project, e }) => readOrphan(clients, project, e, o))),
          ResultAsync.combine([...onIdentity.values()].map((g) => readIdentityOrphans(clients, spec, g.identity, g.group, o))),
        ] as const).map(([apps, identities]) => [...apps, ...identities.flat()]);
      });
    });
}

function readOrphan(
  clients: WifClients,
  project: { id: string; name: string },
  e: ServiceEndpoint,
  o: { abortSignal?: AbortSignal },
): ResultAsync<OrphanPlan, WifError> {
  const appId = authParameter(e, 'serviceprincipalid') ?? '';
  const projects = (e.serviceEndpointProjectReferences ?? []).flatMap((r) =>
    r.projectReference?.id ? [{ id: r.projectReference.id, name: r.projectReference.name ?? r.name }] : [],
  );
  const head = { project: project.name, projectId: project.id, name: e.name, connectionId: e.id, appId, projects };
  // The principal is read by app id beside the app: the role assignments wait on it, not on the app.
  const principal = getServicePrincipal(clients.graph, { appId }, o);
  return safeTry(async function* () {
    const app: Application | undefined = yield* getApplication(clients.graph, { appId }, o)
      .map((a): Application | undefined => a)
      .orElse((x) => (x.kind === 'NotFound' ? okAsync(undefined) : errAsync(x)));
    if (!app) {
      // No application object: a managed identity's client id (its identity lies outside the resource
      // groups of the spec's identities, the only ones read), or an app deleted or of another tenant.
      const sp = yield* principal
        .map((found): ServicePrincipal | undefined => found)
        .orElse((x) => (x.kind === 'NotFound' ? okAsync(undefined) : errAsync(x)));
      return ok({
        ...head,
        managed: false,
        resources: [],
        note:
          sp?.servicePrincipalType === 'ManagedIdentity'
            ? `it runs on managed identity ${sp.displayName ?? appId}, in a resource group none of the spec's identities is in (the only ones wif reads for orphans): kept, never deleted`
            : `no app registration ${appId} in this tenant: not made by wif here, never deleted`,
      });
    }
    if (!(app.tags ?? []).includes(WIF_MANAGED_TAG)) {
      return ok({
        ...head,
        managed: false,
        resources: [],
        note: `its app is not tagged ${WIF_MANAGED_TAG}: not made by wif, never deleted`,
      });
    }
    const target = targetFromData(e.data);
    const [{ sp, assignments }, credentials, perms, checks] = yield* ResultAsync.combine([
      // A principal missing from the first read is read again by the replication rule (an app made
      // moments ago); its role assignments follow it, beside the app's other parts.
      principal
        .map((found): ServicePrincipal | undefined => found)
        .orElse((x) =>
          x.kind !== 'NotFound' ? errAsync(x) : isRecentApp(app) ? readServicePrincipal(clients.graph, app, o) : okAsync(undefined),
        )
        .andThen((found) =>
          found && target
            ? listPrincipalAssignments(clients.arm, [targetListScope(target)], found.id, o).map((list) => ({
                sp: found,
                assignments: list,
              }))
            : okAsync({ sp: found, assignments: [] }),
        ),
      listFederatedIdentityCredentials(clients.graph, app.id, o),
      getPipelinePermissions(clients.devops, project.id, { type: 'endpoint', id: e.id }, o),
      listCheckConfigurations(clients.devops, project.id, { type: 'endpoint', id: e.id }, o),
    ] as const);
    const ours = credentialNameFor(e.id);
    const authorized = (perms.pipelines ?? []).filter((p) => p.authorized).map((p) => String(p.id));
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
      // Its checks first: they are configurations of the project, not parts of the connection.
      ...checks.map((k) => del('check', k.type.name ?? k.type.id, String(k.id))),
      { ...del('serviceConnection', e.name, e.id), changes: projects.map((p) => ({ field: 'project', from: p.name, to: null })) },
      ...credentials.filter((f) => f.name.toLowerCase().startsWith(ours)).map((f) => del('federatedCredential', f.name, f.id)),
      ...assignments.map((a) => del('roleAssignment', assignmentLabel(a), a.id)),
      ...(sp ? [del('servicePrincipal', app.displayName, sp.id)] : []),
      del('application', app.displayName, app.id),
    ];
    return ok({ ...head, managed: true, resources, note: 'managed by wif and not in the spec: deleted by apply --prune' });
  });
}
