/**
 * `plan`: reads the current state of every connection a spec names and decides, per resource, what
 * `apply` will do — `create`, `update` (with the differing fields), `unchanged` or `delete` — or
 * why it refuses (a {@link Refusal}: apply then writes nothing for that connection). It also lists
 * the connections wif manages that the spec no longer names (`orphans`). Sends no write request.
 *
 * Each resource is read here and decided by the one function that decides it for apply and for
 * the public step too (see docs/architecture.md): `applicationPatch`, `decideRoleAssignment`,
 * `decideConnection`, `planCredential`, `decideShare`, `pipelineChanges`.
 */
import { getPipelinePermissions, workloadIdentity } from '@wif/devops';
import { type Application, type FederatedIdentityCredential, listFederatedIdentityCredentials } from '@wif/graph';
import { type ValidationError, type OperationOptions, settled } from '@wif/http';
import { errAsync, ok, okAsync, type Result, ResultAsync, safeTry } from 'neverthrow';
import type { WifError } from '../errors';
import { mapPool } from '../_internal/pool';
import { directReads, runReads, type RunReads } from '../_internal/runReads';
import type { ReplicationRetryOptions } from '../_internal/replication';
import { refuseMissingPermissions } from '../preflight/fromPlan';
import type { PreflightReport } from '../preflight/types';
import { isRefusal, type Refusal } from '../refusals';
import { credentialLimitError, credentialNameFor } from '../steps/bindFederatedCredential';
import {
  type ConnectionLookup,
  decideConnection,
  desiredData,
  findRenamedConnection,
  lookupConnection,
} from '../steps/createManualConnection';
import { adoptedAppNotFound, applicationPatch, readDesiredApplication } from '../steps/registerApp';
import { checkResolvedSpec, type DesiredConnection, madeByResolveSpec, type ResolvedSpec } from '../spec/load';
import { MAX_FEDERATED_CREDENTIALS_PER_APP } from '../constants';
import { pipelineChanges } from './_access';
import { isWifCredential, planCredential, presentsSameAfterSave } from './_credential';
import { decideShare, describePipelines, desiredApp, desiredConnectionInput, findsRenamedConnection } from './_desired';
import { planGovernance } from './_governance';
import { findOrphans, type OrphanPlan } from './_orphans';
import { readServicePrincipal } from './_read';
import { SECRET_NOTE, secretsToRemove } from './_secrets';
import { planOnManagedIdentity } from './_managedIdentity';
import { plannedResource, planRoles } from './_planRoles';
import { specHash } from './_specHash';
import type { WifClients } from './clients';
import type { PlanAction, PlannedResource } from './types';

export type { OrphanPlan };

/** The plan of one connection: an action per resource, the refusals apply would stop at, or why it cannot be planned. */
export interface ConnectionPlan {
  readonly key: string;
  readonly project: string;
  readonly name: string;
  /** The project's id, when the plan read it. */
  readonly projectId?: string;
  readonly resources: readonly PlannedResource[];
  /** Everything apply would refuse for this connection: when not empty, apply writes nothing for it. */
  readonly refusals: readonly Refusal[];
  /** The first refusal, or why the connection could not be read; apply writes nothing for it. */
  readonly error?: WifError;
}

/** What {@link plan} found: per connection, per resource, what `apply` will do. */
export interface Plan {
  readonly organization: string;
  /** SHA-256 of the resolved spec the plan was made from: `apply` of a saved plan refuses another spec. */
  readonly specHash: string;
  readonly connections: readonly ConnectionPlan[];
  /** Connections wif manages that the spec no longer names: deleted by `apply` with `prune`. */
  readonly orphans: readonly OrphanPlan[];
  /** Resources per action; connections that cannot be planned or are refused; orphans. */
  readonly summary: Readonly<Record<PlanAction, number>> & {
    readonly errors: number;
    readonly refused: number;
    readonly orphans: number;
  };
  /** The spec the plan was made from. */
  readonly spec: ResolvedSpec;
  /** Why orphans could not be looked for (the plan of the spec's connections stands). */
  readonly orphanError?: WifError;
  /**
   * The permissions the plan's writes need, as the preflight found them (absent when the plan has no
   * write): `missing` ones are `PermissionMissing` refusals on the connections that need them;
   * `unknown` ones are hints to show.
   */
  readonly preflight?: PreflightReport;
}

/** Options of {@link plan}. */
export interface PlanOptions {
  /** Connections read at once. Default 16. */
  readonly concurrency?: number;
  /** Look for managed connections the spec no longer names (one list per project). Default true. */
  readonly orphans?: boolean;
  /**
   * Check, before any write, the permissions the plan's writes need (`preflight`) and refuse the
   * connections that need a missing one (`PermissionMissing`). Default true.
   */
  readonly preflight?: boolean;
  /** Backoff while Entra replicates a principal made moments ago (see `readServicePrincipal`). */
  readonly replication?: ReplicationRetryOptions;
  readonly abortSignal?: AbortSignal;
}

/**
 * Plans a resolved spec. A connection that cannot be read carries its `error`; one that apply would
 * refuse carries its `refusals` (and the first as `error`); the plan as a whole fails only for an
 * invalid spec (`Validation`, nothing sent).
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
  const appIds = new Set<string>();
  // A project and its connection list are read once for the whole run, whoever needs them first.
  const reads = runReads(clients.devops, options);
  const planned = mapPool(spec.connections, options.concurrency ?? 16, (c) => planConnection(clients, spec, c, options, { appIds, reads }));
  // The orphan listing needs nothing from the connections' plans until it filters out their apps:
  // it is read beside them, and the orphans' parts beside the preflight.
  const orphans: Promise<Result<OrphanPlan[], WifError> | undefined> =
    options.orphans === false
      ? Promise.resolve(undefined)
      : Promise.resolve(
          findOrphans(
            clients,
            spec,
            planned.then(() => appIds),
            options,
            reads,
          ),
        );
  const checkedPlan = planned.then((connections): Promise<{ connections: ConnectionPlan[]; report?: PreflightReport }> =>
    // One preflight over every write the plan contains: a missing permission is a refusal.
    options.preflight === false
      ? Promise.resolve({ connections })
      : refuseMissingPermissions(clients, connections, spec, options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  );
  return ResultAsync.fromSafePromise(Promise.all([checkedPlan, orphans])).map(([{ connections, report }, found]): Plan => {
    const extra = { ...(found?.isErr() ? { orphanError: found.error } : {}), ...(report ? { preflight: report } : {}) };
    return assemblePlan(spec, connections, found?.isOk() ? found.value : [], extra);
  });
}

/** The plan's summary and hash around its connections and orphans. @internal */
export function assemblePlan(
  spec: ResolvedSpec,
  connections: readonly ConnectionPlan[],
  orphans: readonly OrphanPlan[],
  extra: Pick<Plan, 'orphanError' | 'preflight'> = {},
): Plan {
  const summary = { create: 0, update: 0, unchanged: 0, delete: 0, errors: 0, refused: 0, orphans: orphans.length };
  for (const c of connections) {
    if (c.error) summary.errors++;
    if (c.refusals.length > 0) summary.refused++;
    for (const r of c.resources) summary[r.action]++;
  }
  // The hash of a spec `resolveSpec` made (frozen: it cannot change) on first read, when the plan is
  // saved: a plan only shown, or applied in the same process, never loads node:crypto. A spec a
  // caller built is hashed now, so that a change made to it after planning is seen when it is applied.
  const frozen = madeByResolveSpec(spec);
  let hash = frozen ? undefined : specHash(spec);
  const p: Plan = {
    organization: spec.organization,
    get specHash() {
      return (hash ??= specHash(spec));
    },
    connections,
    orphans,
    summary,
    spec,
    ...extra,
  };
  if (frozen) frozenSpecOf.set(p, spec);
  return p;
}

/** The frozen spec (made by `resolveSpec`) each plan `assemblePlan` made from one was made from. */
const frozenSpecOf = new WeakMap<Plan, ResolvedSpec>();

/**
 * Whether `p` is a plan `plan` made, still holding the frozen spec `resolveSpec` made that it was
 * made from: then neither can have been edited since, and nothing needs hashing to tell. @internal
 */
export function planUntouched(p: Plan): boolean {
  return frozenSpecOf.get(p) === p.spec;
}

/**
 * Plans one connection of `spec` (also used by apply to re-check a saved plan). `run`: what the
 * connections of one plan share — the app ids found (for the orphan listing) and the reads.
 * @internal
 */
export async function planConnection(
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  options: PlanOptions,
  run: { readonly appIds?: Set<string>; readonly reads?: RunReads } = {},
): Promise<ConnectionPlan> {
  return (await planConnectionObserved(clients, spec, c, options, run)).plan;
}

/**
 * What the plan of a connection on an app read first: the app by its unique name and the connection
 * by its name in its project. Apply's re-check of a plan hands them to the converge that follows at
 * once (it compared the plan made from them with the plan it executes), which then does not read
 * them a third time. @internal
 */
export interface ObservedConnection {
  /** The app by `uniqueName`; `undefined`: there is none. */
  readonly application: Application | undefined;
  /** The project, and the connection by name (before any search for it under another name). */
  readonly lookup: ConnectionLookup;
}

/** {@link planConnection}, and what it read first (absent when it could not read, or for a managed identity). @internal */
export async function planConnectionObserved(
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  options: PlanOptions,
  run: { readonly appIds?: Set<string>; readonly reads?: RunReads } = {},
): Promise<{ plan: ConnectionPlan; observed?: ObservedConnection }> {
  const { appIds } = run;
  const r = await readAndDecide(clients, spec, c, options, run.reads ?? directReads(clients.devops, options));
  const head = { key: c.key, project: c.project, name: c.name };
  if (r.isErr()) return { plan: { ...head, resources: [], refusals: isRefusal(r.error) ? [r.error] : [], error: r.error } };
  if (r.value.appId) appIds?.add(r.value.appId.toLowerCase());
  const { resources, refusals, projectId, observed } = r.value;
  return {
    plan: { ...head, ...(projectId ? { projectId } : {}), resources, refusals, ...(refusals[0] ? { error: refusals[0] } : {}) },
    ...(observed ? { observed } : {}),
  };
}

const res = plannedResource;

const orphanCredential = (f: FederatedIdentityCredential): PlannedResource =>
  res('federatedCredential', 'delete', f.name, { id: f.id, note: 'made by wif for another connection: removed only by sync with prune' });

const actionOf = (changes: readonly unknown[]): PlanAction => (changes.length > 0 ? 'update' : 'unchanged');

/** A value as text for a field change. */
const text = (v: unknown): string | null =>
  Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : v === undefined || v === null ? null : JSON.stringify(v);

interface Decided {
  readonly resources: PlannedResource[];
  readonly refusals: Refusal[];
  readonly appId: string | undefined;
  /** The project's id, read anyway: the preflight then needs no lookup of its own. */
  readonly projectId: string | undefined;
  readonly observed?: ObservedConnection;
}

function readAndDecide(
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  options: PlanOptions,
  reads: RunReads,
): ResultAsync<Decided, WifError> {
  const o: OperationOptions = options;
  const orUndefined = <T>(r: ResultAsync<T, WifError>): ResultAsync<T | undefined, WifError> =>
    settled(r, (x): Result<T | undefined, WifError> => (x.isOk() || x.error.kind !== 'NotFound' ? x : ok(undefined)));

  if (c.managedIdentity) return planOnManagedIdentity(clients, spec, c, c.managedIdentity, options, reads);
  return safeTry(async function* () {
    const out: PlannedResource[] = [];
    const refusals: Refusal[] = [];
    // Read: the app, and beside it the connection by name (that needs no app id); then what hangs
    // off the app, and a connection bound to it under another name when none has this name.
    const byName = lookupConnection(clients.devops, { project: c.project, name: c.name }, { findRenamed: false }, o, reads);
    const app: Application | undefined = yield* await orUndefined(readDesiredApplication(clients.graph, c.app, o));
    const renames = app !== undefined && findsRenamedConnection(c);
    const [sp, credentials, [lookup, found]] = yield* await ResultAsync.combine([
      app ? readServicePrincipal(clients.graph, app, options) : okAsync(undefined),
      app ? listFederatedIdentityCredentials(clients.graph, app.id, o) : okAsync<FederatedIdentityCredential[], WifError>([]),
      byName.andThen((f) =>
        (renames ? findRenamedConnection(clients.devops, f, app.appId, o, reads) : okAsync(f)).andThen((g) => ok([f, g] as const)),
      ),
    ] as const);
    const observed: ObservedConnection = { application: app, lookup };

    // Application and service principal.
    if (!app && c.app.appId !== undefined) {
      // An adopted app is never created: nothing can be planned on it.
      refusals.push(adoptedAppNotFound(c.app.appId));
      return ok({ resources: out, refusals, appId: undefined, projectId: found.project.id, observed });
    }
    if (!app) {
      out.push(res('application', 'create', c.app.displayName, { changes: [{ field: 'uniqueName', from: null, to: c.app.uniqueName }] }));
      out.push(res('servicePrincipal', 'create', c.app.displayName));
    } else {
      const patch = applicationPatch(app, desiredApp(spec, c));
      const current = app as unknown as Record<string, unknown>;
      const changes = Object.entries(patch).map(([field, to]) => ({ field, from: text(current[field]), to: text(to) }));
      const adopted = c.app.appId !== undefined ? { note: `adopted by its appId ${app.appId}: used as it is, never deleted by wif` } : {};
      const name = c.app.appId !== undefined ? app.displayName : c.app.displayName;
      out.push(res('application', actionOf(changes), name, { id: app.id, changes, ...adopted }));
      out.push(...secretsToRemove(app, c).map((k) => res('appSecret', 'delete', k.label, { id: k.keyId, note: SECRET_NOTE })));
      out.push(res('servicePrincipal', sp ? 'unchanged' : 'create', name, sp ? { id: sp.id } : {}));
    }

    // Role assignments: each wanted one, then those the principal holds that the spec does not name.
    const roles = yield* await planRoles(clients.arm, c.roles, sp?.id, o);
    out.push(...roles.resources);
    refusals.push(...roles.refusals);
    if (roles.invalidScope) return ok({ resources: out, refusals, appId: app?.appId, projectId: found.project.id, observed }); // the spec check refused it already

    // The connection.
    const connection = found.existing;
    if (!connection) {
      out.push(res('serviceConnection', 'create', c.name, { note: 'issuer and subject are read back after creation' }));
      if (credentials.length >= MAX_FEDERATED_CREDENTIALS_PER_APP) refusals.push(credentialLimitError(app?.id ?? '', credentials.length));
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
      if (c.pipelines) out.push(res('pipelinePermission', 'create', describePipelines(c)));
      out.push(...credentials.filter((f) => isWifCredential(f.name)).map(orphanCredential));
      const governance = yield* await planGovernance(clients, c, found.project.id, undefined, o);
      out.push(...governance.resources);
      refusals.push(...governance.refusals);
      return ok({ resources: out, refusals, appId: app?.appId, projectId: found.project.id, observed });
    }
    const want = desiredConnectionInput(spec, c, app?.appId ?? '');
    const decided = decideConnection(connection, want, desiredData(want), found.project.name);
    if (decided.isErr()) {
      // apply refuses this connection: the plan says so, with the error apply would return, and plans nothing under it.
      refusals.push(decided.error);
      return ok({ resources: out, refusals, appId: app?.appId, projectId: found.project.id, observed });
    }
    const connectionChanges = decided.value.changes;
    const renamed = connectionChanges.some((ch) => ch.field === 'name');
    out.push(
      res('serviceConnection', actionOf(connectionChanges), c.name, {
        id: connection.id,
        changes: connectionChanges,
        ...(renamed ? { note: "found through its app under another name: renamed to the spec's name" } : {}),
      }),
    );

    // The credential, from what the connection reports now.
    const wi = workloadIdentity(connection);
    if (!wi.issuer || !wi.subject || (connectionChanges.length > 0 && !presentsSameAfterSave(wi.issuer, wi.subject))) {
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
      else if (d.action === 'limit') refusals.push(credentialLimitError(app?.id ?? '', d.count));
      else out.push(res('federatedCredential', 'update', d.credential.name, { id: d.credential.id, changes: p.changes }));
      for (const f of p.stale) {
        out.push(
          res('federatedCredential', 'delete', f.name, {
            id: f.id,
            note: 'the connection no longer presents it: removed once the new credential verifies',
          }),
        );
      }
      out.push(...p.orphans.map(orphanCredential));
    }

    // Sharing and pipeline permissions.
    if (c.shareWith.length) {
      const refs = (connection.serviceEndpointProjectReferences ?? []).map((r) => ({
        id: r.projectReference?.id,
        name: r.projectReference?.name ?? undefined,
      }));
      const { missing, action } = decideShare(c.shareWith, refs);
      out.push(
        res('projectShare', action, c.shareWith.join(', '), {
          id: connection.id,
          changes: missing.map((m) => ({ field: 'project', from: null, to: m })),
        }),
      );
    }
    if (c.pipelines) {
      const perms = yield* await getPipelinePermissions(clients.devops, found.project.id, { type: 'endpoint', id: connection.id }, o);
      const { changes } = pipelineChanges(c.pipelines, perms);
      out.push(res('pipelinePermission', actionOf(changes), describePipelines(c), { id: connection.id, changes }));
    }
    // Checks and security roles.
    const governance = yield* await planGovernance(clients, c, found.project.id, connection, o);
    out.push(...governance.resources);
    refusals.push(...governance.refusals);
    return ok({ resources: out, refusals, appId: app?.appId, projectId: found.project.id, observed });
  });
}
