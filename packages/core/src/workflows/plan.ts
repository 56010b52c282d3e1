/**
 * `plan`: reads the current state of every connection a spec names and says, per resource, what
 * `apply` would do — `create`, `update` (with the differing fields), `unchanged` or `delete` (a
 * credential left behind by an issuer change, removed once the new one verifies; a role assignment
 * the spec does not name, removed only by `sync` with `prune`). Sends no write request.
 */
import { parseScope, roleAssignmentName } from '@wif/arm';
import { getPipelinePermissions, workloadIdentity } from '@wif/devops';
import {
  type Application,
  type FederatedIdentityCredential,
  getApplication,
  getServicePrincipal,
  listFederatedIdentityCredentials,
} from '@wif/graph';
import type { ValidationError } from '@wif/http';
import { err, errAsync, ok, okAsync, ResultAsync, safeTry } from 'neverthrow';
import type { ConnectionConflictError, WifError } from '../errors';
import { mapPool } from '../_internal/pool';
import { refuseMissingPermissions } from '../preflight/fromPlan';
import type { PreflightReport } from '../preflight/types';
import { credentialNameFor } from '../steps/bindFederatedCredential';
import { connectionDrift, desiredData, lookupConnection } from '../steps/createManualConnection';
import { resolveRole } from '../steps/grantRole';
import { applicationPatch } from '../steps/registerApp';
import { checkResolvedSpec, type DesiredConnection, type ResolvedSpec } from '../spec/load';
import { pipelineChanges } from './_access';
import { isWifCredential, planCredential } from './_credential';
import { desiredApp } from './_run';
import { assignmentLabel, isWanted, listPrincipalAssignments, type WantedRole } from './_roles';
import type { WifClients } from './clients';
import type { FieldChange, PlanAction, PlannedResource } from './types';

/** The plan of one connection: an action per resource, or why it cannot be planned. */
export interface ConnectionPlan {
  readonly key: string;
  readonly project: string;
  readonly name: string;
  readonly resources: readonly PlannedResource[];
  /** Set when the connection cannot be planned (unreadable, or a conflict apply would refuse). */
  readonly error?: WifError;
}

/** What {@link plan} found: per connection, per resource, what `apply` would do. */
export interface Plan {
  readonly organization: string;
  readonly connections: readonly ConnectionPlan[];
  /** Resources per action, and connections that could not be planned. */
  readonly summary: Readonly<Record<PlanAction, number>> & { readonly errors: number };
  /** The spec the plan was made from; `apply` takes the plan and applies it. */
  readonly spec: ResolvedSpec;
  /**
   * The permissions the plan's writes need, as the preflight found them (absent when the plan has no
   * write): a `missing` one is the `PermissionMissing` error of the connections that need it.
   */
  readonly preflight?: PreflightReport;
}

/** Options of {@link plan}. */
export interface PlanOptions {
  /** Connections read at once. Default 16. */
  readonly concurrency?: number;
  /**
   * Check, before any write, the permissions the plan's writes need (`preflight`) and give the
   * connections that need a missing one a `PermissionMissing` error. Default true.
   */
  readonly preflight?: boolean;
  readonly abortSignal?: AbortSignal;
}

/**
 * Plans a resolved spec. A connection that cannot be read (or that apply would refuse, e.g. a
 * name taken by a secret-based connection) carries its `error`; the plan as a whole fails only for
 * an invalid spec (`Validation`, nothing sent).
 *
 * Calls only reads: Graph applications, servicePrincipals and federatedIdentityCredentials; ARM
 * roleDefinitions (custom role names only) and roleAssignments (`principalId eq`); Azure DevOps
 * projects, serviceendpoints and pipelinePermissions. Permission: read on all of those. Then, when
 * the plan has writes, the preflight's reads (see `preflight`): ARM permissions per distinct scope,
 * one Azure DevOps permission evaluation (a POST that writes nothing) per project, connectionData,
 * and the Graph token's claims.
 * Safe to re-run.
 *
 * @example
 * const p = await plan(clients, spec);
 * for (const c of p._unsafeUnwrap().connections) console.log(c.name, c.resources.map((r) => `${r.kind} ${r.action}`));
 */
export function plan(clients: WifClients, spec: ResolvedSpec, options: PlanOptions = {}): ResultAsync<Plan, ValidationError> {
  const checked = checkResolvedSpec(spec);
  if (checked.isErr()) return errAsync(checked.error);
  return ResultAsync.fromSafePromise(
    mapPool(spec.connections, options.concurrency ?? 16, async (c): Promise<ConnectionPlan> => {
      const r = await planConnection(clients, spec, c, options);
      const head = { key: c.key, project: c.project, name: c.name };
      return r.isOk() ? { ...head, resources: r.value } : { ...head, resources: [], error: r.error };
    }).then((planned) =>
      // One preflight over every write the plan contains: a missing permission is the connection's error.
      options.preflight === false
        ? { connections: planned }
        : refuseMissingPermissions(clients, planned, spec, options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    ),
  ).map(({ connections, report }: { connections: ConnectionPlan[]; report?: PreflightReport }) => {
    const summary = { create: 0, update: 0, unchanged: 0, delete: 0, errors: 0 };
    for (const c of connections) {
      if (c.error) summary.errors++;
      for (const r of c.resources) summary[r.action]++;
    }
    return { organization: spec.organization, connections, summary, spec, ...(report ? { preflight: report } : {}) };
  });
}

const res = (
  kind: PlannedResource['kind'],
  action: PlanAction,
  name: string,
  extra: { id?: string | undefined; changes?: readonly FieldChange[]; note?: string } = {},
): PlannedResource => ({
  kind,
  action,
  name,
  changes: extra.changes ?? [],
  ...(extra.id !== undefined ? { id: extra.id } : {}),
  ...(extra.note !== undefined ? { note: extra.note } : {}),
});

const orphan = (f: FederatedIdentityCredential): PlannedResource =>
  res('federatedCredential', 'delete', f.name, { id: f.id, note: 'made by wif for another connection: removed only by sync with prune' });

const actionOf = (changes: readonly unknown[]): PlanAction => (changes.length > 0 ? 'update' : 'unchanged');

function planConnection(
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  options: PlanOptions,
): ResultAsync<PlannedResource[], WifError> {
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const orUndefined = <T>(r: ResultAsync<T, WifError>): ResultAsync<T | undefined, WifError> =>
    r.orElse((e) => (e.kind === 'NotFound' ? okAsync<T | undefined, WifError>(undefined) : errAsync<T | undefined, WifError>(e)));

  return safeTry(async function* () {
    const out: PlannedResource[] = [];
    const app: Application | undefined = yield* orUndefined(getApplication(clients.graph, { uniqueName: c.app.uniqueName }, opts));
    const [sp, credentials, found] = yield* ResultAsync.combine([
      app ? orUndefined(getServicePrincipal(clients.graph, { appId: app.appId }, opts)) : okAsync(undefined),
      app ? listFederatedIdentityCredentials(clients.graph, app.id, opts) : okAsync<FederatedIdentityCredential[], WifError>([]),
      lookupConnection(
        clients.devops,
        { project: c.project, name: c.name, ...(app ? { appId: app.appId } : {}) },
        { findRenamed: app !== undefined },
        opts,
      ),
    ] as const);

    // Application and service principal.
    if (!app) {
      out.push(res('application', 'create', c.app.displayName, { changes: [{ field: 'uniqueName', from: null, to: c.app.uniqueName }] }));
      out.push(res('servicePrincipal', 'create', c.app.displayName));
    } else {
      const patch = applicationPatch(app, desiredApp(spec, c));
      const current = app as unknown as Record<string, unknown>;
      const text = (v: unknown): string | null =>
        Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : v === undefined || v === null ? null : JSON.stringify(v);
      const changes = Object.entries(patch).map(([field, to]) => ({ field, from: text(current[field]), to: text(to) }));
      out.push(res('application', actionOf(changes), c.app.displayName, { id: app.id, changes }));
      out.push(res('servicePrincipal', sp ? 'unchanged' : 'create', c.app.displayName, sp ? { id: sp.id } : {}));
    }

    // Role assignments: each wanted one, then those the principal holds that the spec does not name.
    const existing = sp
      ? yield* listPrincipalAssignments(
          clients.arm,
          c.roles.map((r) => r.scope),
          sp.id,
          opts,
        )
      : [];
    const wanted: WantedRole[] = [];
    for (const r of c.roles) {
      const { guid, roleName } = yield* resolveRole(clients.arm, r.role, r.scope, opts);
      const scope = parseScope(r.scope);
      const normalized = scope.isOk() ? scope.value.scope : r.scope;
      wanted.push({ scope: normalized, guid });
      const hit = existing.find((a) => isWanted(a, [{ scope: normalized, guid }]));
      const id =
        hit?.id ??
        (sp ? `${normalized}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(normalized, sp.id, guid)}` : undefined);
      out.push(res('roleAssignment', hit ? 'unchanged' : 'create', `${roleName} @ ${normalized}`, { id }));
    }
    for (const a of existing.filter((x) => !isWanted(x, wanted))) {
      out.push(res('roleAssignment', 'delete', assignmentLabel(a), { id: a.id, note: 'not in the spec: removed only by sync with prune' }));
    }

    // The connection.
    const connection = found.existing;
    if (!connection) {
      out.push(res('serviceConnection', 'create', c.name, { note: 'issuer and subject are read back after creation' }));
      out.push(
        res('federatedCredential', 'create', 'ado-sc-{connection id}', {
          note: 'bound to the issuer and subject the new connection reports',
        }),
      );
      if (c.shareWith.length)
        out.push(
          res('projectShare', 'create', c.shareWith.join(', '), {
            changes: c.shareWith.map((p) => ({ field: 'project', from: null, to: p })),
          }),
        );
      if (c.pipelines)
        out.push(res('pipelinePermission', 'create', Array.isArray(c.pipelines) ? `pipelines ${c.pipelines.join(', ')}` : 'all pipelines'));
      out.push(...credentials.filter((f) => isWifCredential(f.name)).map(orphan));
      return ok(out);
    }
    const data = desiredData({ target: c.target, cloud: spec.cloud });
    const drift = connectionDrift(
      connection,
      { name: c.name, appId: app?.appId ?? '', tenantId: spec.tenantId, description: c.description },
      data,
    );
    if ('conflict' in drift) {
      // apply would refuse this connection: say so in the plan, with the same error apply returns.
      return err<never, ConnectionConflictError>({
        kind: 'ConnectionConflict',
        reason: drift.conflict,
        connectionId: connection.id,
        name: connection.name,
        project: found.project.name,
        message: `A service connection named "${connection.name}" already exists in ${found.project.name} and ${drift.why}. Rename the connection in the spec, or migrate the existing one (wif migrate).`,
      });
    }
    const renamed = drift.changes.some((ch) => ch.field === 'name');
    out.push(
      res('serviceConnection', actionOf(drift.changes), c.name, {
        id: connection.id,
        changes: drift.changes,
        ...(renamed ? { note: 'found through its app under another name: renamed back' } : {}),
      }),
    );

    // The credential, from what the connection reports now.
    const wi = workloadIdentity(connection);
    if (drift.changes.length > 0 || !wi.issuer || !wi.subject) {
      // Saving the connection may change what it presents (a legacy subject embeds its name; a save may switch the issuer).
      out.push(
        res('federatedCredential', 'update', credentialNameFor(connection.id), {
          note: 'the connection is saved first; the credential follows the issuer and subject it then reports',
        }),
      );
    } else {
      const p = planCredential(credentials, connection.id, wi.issuer, wi.subject);
      const d = p.decision;
      if (d.action === 'unchanged') out.push(res('federatedCredential', 'unchanged', d.credential.name, { id: d.credential.id }));
      else if (d.action === 'create') out.push(res('federatedCredential', 'create', p.name, { changes: p.changes }));
      else if (d.action === 'limit')
        out.push(
          res('federatedCredential', 'create', p.name, {
            note: `the app already has ${d.count} credentials: apply will fail (CredentialLimit)`,
          }),
        );
      else out.push(res('federatedCredential', 'update', d.credential.name, { id: d.credential.id, changes: p.changes }));
      for (const f of p.stale) {
        out.push(
          res('federatedCredential', 'delete', f.name, {
            id: f.id,
            note: 'the connection no longer presents it: removed once the new credential verifies',
          }),
        );
      }
      out.push(...p.orphans.map(orphan));
    }

    // Sharing and pipeline permissions.
    if (c.shareWith.length) {
      const refs = connection.serviceEndpointProjectReferences ?? [];
      const missing = c.shareWith.filter(
        (p) => !refs.some((r) => [r.projectReference?.id, r.projectReference?.name].some((x) => x?.toLowerCase() === p.toLowerCase())),
      );
      out.push(
        res('projectShare', actionOf(missing), c.shareWith.join(', '), {
          id: connection.id,
          changes: missing.map((m) => ({ field: 'project', from: null, to: m })),
        }),
      );
    }
    if (c.pipelines) {
      const perms = yield* getPipelinePermissions(clients.devops, found.project.id, { type: 'endpoint', id: connection.id }, opts);
      const { changes } = pipelineChanges(c.pipelines, perms);
      const list = Array.isArray(c.pipelines) ? c.pipelines : undefined;
      out.push(
        res('pipelinePermission', actionOf(changes), list ? `pipelines ${list.join(', ')}` : 'all pipelines', {
          id: connection.id,
          changes,
        }),
      );
    }
    return ok(out);
  });
}
