/**
 * `plan`: reads the current state of every connection a spec names and says, per resource, what
 * `apply` would do — `create`, `update` (with the differing fields), `unchanged` or `delete`
 * (reported only: role assignments the spec does not name). Sends no write request.
 */
import { listRoleAssignments, parseScope, roleAssignmentName, roleDefinitionGuid, sameScope, type RoleAssignment } from '@wif/arm';
import { getPipelinePermissions, workloadIdentity } from '@wif/devops';
import { getApplication, getServicePrincipal, listFederatedIdentityCredentials, type Application, type FederatedIdentityCredential } from '@wif/graph';
import { collect, type ValidationError } from '@wif/http';
import { err, errAsync, ok, okAsync, ResultAsync, safeTry } from 'neverthrow';
import type { ConnectionConflictError, WifError } from '../errors';
import { mapPool } from '../_internal/pool';
import { credentialNameFor, decideCredential } from '../steps/bindFederatedCredential';
import { connectionDrift, desiredData, lookupConnection } from '../steps/createManualConnection';
import { resolveRole } from '../steps/grantRole';
import { applicationPatch } from '../steps/registerApp';
import type { DesiredConnection, ResolvedSpec } from '../spec/load';
import type { WifClients } from './clients';
import type { FieldChange, PlanAction, PlannedResource } from './types';

export interface ConnectionPlan {
  readonly key: string;
  readonly project: string;
  readonly name: string;
  readonly resources: readonly PlannedResource[];
  /** Set when the connection cannot be planned (unreadable, or a conflict apply would refuse). */
  readonly error?: WifError;
}

export interface Plan {
  readonly organization: string;
  readonly connections: readonly ConnectionPlan[];
  readonly summary: Readonly<Record<PlanAction, number>> & { readonly errors: number };
  /** The spec the plan was made from; `apply` takes it. */
  readonly spec: ResolvedSpec;
}

export interface PlanOptions {
  /** Connections read at once. Default 16. */
  readonly concurrency?: number;
  readonly abortSignal?: AbortSignal;
}

/**
 * Plans a resolved spec. Per-connection read failures are recorded in that connection's `error`;
 * the plan as a whole only fails for an invalid spec.
 *
 * Calls only GETs: Graph applications/servicePrincipals/federatedIdentityCredentials, ARM
 * roleDefinitions/roleAssignments, Azure DevOps projects/serviceendpoints/pipelinePermissions.
 * Permission: read on all of those. Safe to re-run.
 *
 * @example
 * const p = await plan(clients, spec);
 * for (const c of p._unsafeUnwrap().connections) console.log(c.name, c.resources.map((r) => r.action));
 */
export function plan(clients: WifClients, spec: ResolvedSpec, options: PlanOptions = {}): ResultAsync<Plan, ValidationError> {
  return ResultAsync.fromSafePromise(
    mapPool(spec.connections, options.concurrency ?? 16, async (c) => {
      const r = await planConnection(clients, spec, c, options);
      return r.isOk()
        ? { key: c.key, project: c.project, name: c.name, resources: r.value }
        : { key: c.key, project: c.project, name: c.name, resources: [], error: r.error };
    }),
  ).map((connections) => {
    const summary = { create: 0, update: 0, unchanged: 0, delete: 0, errors: 0 };
    for (const c of connections) {
      if ('error' in c && c.error) summary.errors++;
      for (const r of c.resources) summary[r.action]++;
    }
    return { organization: spec.organization, connections, summary, spec };
  });
}

const res = (kind: PlannedResource['kind'], action: PlanAction, name: string, extra: { id?: string | undefined; changes?: FieldChange[]; note?: string } = {}): PlannedResource => ({
  kind,
  action,
  name,
  changes: extra.changes ?? [],
  ...(extra.id !== undefined ? { id: extra.id } : {}),
  ...(extra.note !== undefined ? { note: extra.note } : {}),
});

function planConnection(clients: WifClients, spec: ResolvedSpec, c: DesiredConnection, options: PlanOptions): ResultAsync<PlannedResource[], WifError> {
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const orUndefined = <T>(r: ResultAsync<T, WifError>): ResultAsync<T | undefined, WifError> =>
    r.orElse((e) => (e.kind === 'NotFound' ? okAsync<T | undefined, WifError>(undefined) : errAsync<T | undefined, WifError>(e)));

  return safeTry(async function* () {
    const out: PlannedResource[] = [];
    const app: Application | undefined = yield* orUndefined(getApplication(clients.graph, { uniqueName: c.app.uniqueName }, opts));
    const [sp, credentials, found] = yield* ResultAsync.combine([
      app ? orUndefined(getServicePrincipal(clients.graph, { appId: app.appId }, opts)) : okAsync(undefined),
      app ? listFederatedIdentityCredentials(clients.graph, app.id, opts) : okAsync<FederatedIdentityCredential[], WifError>([]),
      lookupConnection(clients.devops, { project: c.project, name: c.name, ...(app ? { appId: app.appId } : {}) }, { findRenamed: app !== undefined }, opts),
    ] as const);

    // Application and service principal.
    if (!app) {
      out.push(res('application', 'create', c.app.displayName, { changes: [{ field: 'uniqueName', from: null, to: c.app.uniqueName }] }));
      out.push(res('servicePrincipal', 'create', c.app.displayName));
    } else {
      const patch = applicationPatch(app, { displayName: c.app.displayName });
      const changes = Object.entries(patch).map(([field, to]) => ({
        field,
        from: field === 'tags' ? (app.tags ?? []).join(',') : String((app as Record<string, unknown>)[field] ?? '') || null,
        to: Array.isArray(to) ? to.join(',') : String(to),
      }));
      out.push(res('application', changes.length ? 'update' : 'unchanged', c.app.displayName, { id: app.id, changes }));
      out.push(res('servicePrincipal', sp ? 'unchanged' : 'create', c.app.displayName, sp ? { id: sp.id } : {}));
    }

    // Role assignments: what exists for this principal around each desired scope.
    const existingAssignments: RoleAssignment[] = [];
    if (sp) {
      const roots = new Map<string, string>();
      for (const r of c.roles) {
        const p = parseScope(r.scope);
        if (p.isOk()) {
          const root = p.value.subscriptionId ? `/subscriptions/${p.value.subscriptionId}` : p.value.scope;
          roots.set(root.toLowerCase(), root);
        }
      }
      for (const root of roots.values()) {
        const all = yield* ResultAsync.fromSafePromise(collect(listRoleAssignments(clients.arm, root, { principalId: sp.id }, opts), 5_000)).andThen((x) => x);
        for (const a of all) if (!existingAssignments.some((e) => e.id.toLowerCase() === a.id.toLowerCase())) existingAssignments.push(a);
      }
    }
    const wanted = new Set<string>();
    for (const r of c.roles) {
      const { guid, roleName } = yield* resolveRole(clients.arm, r.role, r.scope, opts);
      const scope = parseScope(r.scope);
      const normalized = scope.isOk() ? scope.value.scope : r.scope;
      const hit = existingAssignments.find((a) => sameScope(a.properties.scope, normalized) && roleDefinitionGuid(a.properties.roleDefinitionId) === guid);
      if (hit) wanted.add(hit.id.toLowerCase());
      out.push(
        res('roleAssignment', hit ? 'unchanged' : 'create', `${roleName} @ ${normalized}`, {
          id: hit?.id ?? (sp ? `${normalized}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(normalized, sp.id, guid)}` : undefined),
        }),
      );
    }
    for (const a of existingAssignments) {
      if (!wanted.has(a.id.toLowerCase()) && sp && a.properties.principalId.toLowerCase() === sp.id.toLowerCase()) {
        out.push(res('roleAssignment', 'delete', `${roleDefinitionGuid(a.properties.roleDefinitionId)} @ ${a.properties.scope}`, { id: a.id, note: 'not in the spec; removed only when pruning' }));
      }
    }

    // The connection.
    const existing = found.existing;
    const data = desiredData({ target: c.target, cloud: spec.cloud });
    if (!existing) {
      out.push(res('serviceConnection', 'create', c.name, { note: 'issuer and subject are read back after creation' }));
      out.push(res('federatedCredential', 'create', 'ado-sc-{connection id}', { note: 'bound to the issuer and subject the new connection reports' }));
      if (c.shareWith.length) out.push(res('projectShare', 'create', c.shareWith.join(', ')));
      if (c.pipelines) out.push(res('pipelinePermission', 'create', Array.isArray(c.pipelines) ? `pipelines ${c.pipelines.join(', ')}` : 'all pipelines'));
      return ok(out);
    }
    const drift = connectionDrift(existing, { name: c.name, appId: app?.appId ?? '', tenantId: spec.tenantId, description: c.description }, data);
    if ('conflict' in drift) {
      // apply would refuse this connection: say so in the plan, with the same error apply returns.
      return err<never, ConnectionConflictError>({
        kind: 'ConnectionConflict',
        reason: drift.conflict,
        connectionId: existing.id,
        name: existing.name,
        project: found.project.name,
        message: `A service connection named "${existing.name}" already exists in ${found.project.name} and ${drift.why}. Rename the connection in the spec, or migrate the existing one (wif migrate).`,
      });
    }
    out.push(res('serviceConnection', drift.changes.length ? 'update' : 'unchanged', c.name, { id: existing.id, changes: drift.changes }));

    // The credential, from what the connection reports now (a rename back changes a legacy subject).
    const wi = workloadIdentity(existing);
    if (drift.changes.some((ch) => ch.field === 'name') || !wi.issuer || !wi.subject) {
      out.push(res('federatedCredential', 'update', credentialNameFor(existing.id), { note: 'the connection is renamed first; the credential follows the subject it then reports' }));
    } else {
      const decision = decideCredential(credentials, wi.issuer, wi.subject, credentialNameFor(existing.id));
      switch (decision.action) {
        case 'unchanged':
          out.push(res('federatedCredential', 'unchanged', decision.credential.name, { id: decision.credential.id }));
          break;
        case 'fixAudience':
          out.push(res('federatedCredential', 'update', decision.credential.name, { id: decision.credential.id, changes: [{ field: 'audiences', from: decision.credential.audiences.join(','), to: 'api://AzureADTokenExchange' }] }));
          break;
        case 'rebind':
          out.push(
            res('federatedCredential', 'update', decision.credential.name, {
              id: decision.credential.id,
              changes: [
                ...(decision.credential.issuer !== wi.issuer ? [{ field: 'issuer', from: decision.credential.issuer, to: wi.issuer }] : []),
                ...(decision.credential.subject !== wi.subject ? [{ field: 'subject', from: decision.credential.subject, to: wi.subject }] : []),
              ],
            }),
          );
          break;
        case 'create':
          out.push(res('federatedCredential', 'create', credentialNameFor(existing.id), { changes: [{ field: 'subject', from: null, to: wi.subject }] }));
          break;
        case 'limit':
          out.push(res('federatedCredential', 'create', credentialNameFor(existing.id), { note: `the app already has ${decision.count} credentials: apply will fail (CredentialLimit)` }));
          break;
      }
    }

    // Sharing and pipeline permissions.
    if (c.shareWith.length) {
      const refs = existing.serviceEndpointProjectReferences ?? [];
      const missing = c.shareWith.filter((p) => !refs.some((r) => [r.projectReference?.id, r.projectReference?.name].some((x) => x?.toLowerCase() === p.toLowerCase())));
      out.push(res('projectShare', missing.length ? 'create' : 'unchanged', c.shareWith.join(', '), missing.length ? { changes: missing.map((m) => ({ field: 'project', from: null, to: m })) } : {}));
    }
    if (c.pipelines) {
      const perms = yield* getPipelinePermissions(clients.devops, found.project.id, { type: 'endpoint', id: existing.id }, opts);
      const wantedPipes = c.pipelines;
      if (Array.isArray(wantedPipes)) {
        const authorized = new Set((perms.pipelines ?? []).filter((p) => p.authorized).map((p) => p.id));
        const missing = wantedPipes.filter((id) => !authorized.has(id));
        out.push(res('pipelinePermission', missing.length ? 'update' : 'unchanged', `pipelines ${wantedPipes.join(', ')}`, { changes: missing.map((id) => ({ field: 'pipeline', from: null, to: String(id) })) }));
      } else {
        out.push(res('pipelinePermission', perms.allPipelines?.authorized ? 'unchanged' : 'update', 'all pipelines'));
      }
    }
    return ok(out);
  });
}

