/**
 * The engine behind `apply` and `sync`: each connection along its dependency graph (see apply.ts),
 * many connections under a bounded concurrency; every resource recorded with its outcome and, when
 * it was not as the spec wants, how it had drifted; a connection that fails is rolled back.
 */
import { deleteRoleAssignmentById, roleDefinitionGuid } from '@wif/arm';
import { authParameter, type DevOpsClient, getServiceEndpoint, listServiceEndpoints, type ServiceEndpoint } from '@wif/devops';
import { type Application, removeApplicationPassword } from '@wif/graph';
import type { TransportError } from '@wif/http';
import { err, errAsync, ok, okAsync, ResultAsync } from 'neverthrow';
import type { StalePlanError, WifError } from '../errors';
import {
  type ConnectionLookup,
  type ConnectionSpecInput,
  connectionDrift,
  type ManualConnection,
  convergeConnection,
  desiredData,
  lookupConnection,
} from '../steps/createManualConnection';
import { type GrantedRole, grantRoleValidated } from '../steps/grantRole';
import { ensureApplication, ensureServicePrincipal } from '../steps/registerApp';
import type { TrustChainReport } from '../steps/verifySubject';
import type { Outcome } from '../types';
import type { DesiredConnection, ResolvedSpec } from '../spec/load';
import { authorizePipelines, shareConnection } from './_access';
import { credentialBranch } from './_bind';
import { convergeOnManagedIdentity } from './_managedIdentity';
import { rollback } from './_rollback';
import { assignmentLabel, isWanted, listPrincipalAssignments, type WantedRole } from './_roles';
import { describePipelines, desiredApp, desiredConnectionInput, findsRenamedConnection } from './_desired';
import { governanceBranch } from './_governance';
import { secretsToRemove } from './_secrets';
import { abortOnly, driftOf, type EngineOptions, type Opts, Run, stepOptions } from './_run';
import type { ConnectionReport } from './types';
import type { WifClients } from './clients';
import type { ObservedConnection } from './plan';
import { KIND_ORDER } from './_kinds';
import { monotonicMs } from '../_internal/monotonic';

/**
 * Connections converged at once by default. 32 lets the seed's fleet of 43 connections finish in two
 * overlapping waves (docs/performance.md); each connection has at most about four requests in flight,
 * and a burst of that size stays well inside Graph's per-app token bucket (3,500 resource units per
 * 10 s on the smallest tenants, docs/reference/graph.md §8) and ARM's write quota. Lower it for very large specs.
 */
export const DEFAULT_APPLY_CONCURRENCY = 32;

/**
 * Converges one connection along its dependency graph; rolls it back when it fails. `observed`: the
 * app and the connection lookup as apply's re-check of the plan read them just before (and compared
 * with the plan): the converge starts from them instead of reading them again. @internal
 */
export async function convergeOne(
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  options: EngineOptions,
  observed?: ObservedConnection,
  renamedId?: string,
): Promise<ConnectionReport> {
  if (c.managedIdentity) return convergeOnManagedIdentity(clients, spec, c, c.managedIdentity, options, renamedId);
  const run = new Run();
  if (options.abortSignal?.aborted)
    return finish(clients, c, options, run, { kind: 'Aborted', message: `Aborted before ${c.project}/${c.name} was started.` });
  const so = stepOptions(options);
  // Level 1: the app, and the connection lookup (it needs no app id), at once.
  const lookup = observed
    ? okAsync<ConnectionLookup, WifError>(observed.lookup)
    : run.timed('lookupConnection', () =>
        lookupConnection(clients.devops, { project: c.project, name: c.name }, { findRenamed: false }, so),
      );
  const app = await run.timed('registerApp', () =>
    ensureApplication(clients.graph, desiredApp(spec, c), so, observed ? { application: observed.application } : undefined),
  );
  if (app.isErr()) {
    await lookup; // let the parallel read finish before reporting
    return finish(clients, c, options, run, app.error);
  }
  const { application, outcome } = app.value;
  const appIsNew = outcome === 'created';
  run.record(
    { kind: 'application', name: application.displayName, id: application.id, outcome, ...driftOf(outcome) },
    { kind: 'application', id: application.id, name: application.displayName },
  );

  // For sync, the app's client secrets first (none on almost every app: no request then), so that
  // the verify at the end of the connection's branch reads the app as prune left it.
  if (options.inspectExtras && !appIsNew) {
    const secrets = await appSecrets(run, clients, c, application, options);
    if (secrets.isErr()) {
      await lookup;
      return finish(clients, c, options, run, secrets.error);
    }
  }

  // Level 2: the principal and its roles, beside the connection and what hangs off it.
  const [roles, conn] = await Promise.all([
    rolesBranch(run, clients, c, application, appIsNew, options),
    connectionBranch(
      run,
      clients,
      spec,
      c,
      {
        appId: application.appId,
        isNew: appIsNew,
        findRenamed: findsRenamedConnection(c),
        bindCredential: (connection) => credentialBranch(run, clients, application, appIsNew, connection, options),
      },
      lookup,
      options,
    ),
  ]);
  const error = roles.isErr() ? roles.error : conn.isErr() ? conn.error : undefined;
  return finish(clients, c, options, run, error, conn.isOk() ? conn.value : undefined);
}

function rolesBranch(
  run: Run,
  clients: WifClients,
  c: DesiredConnection,
  application: Application,
  appIsNew: boolean,
  options: EngineOptions,
): ResultAsync<void, WifError> {
  const so = stepOptions(options);
  return run
    .timed('ensureServicePrincipal', () => ensureServicePrincipal(clients.graph, application, appIsNew, so))
    .andThen(({ servicePrincipal, outcome }) => {
      run.record(
        { kind: 'servicePrincipal', name: application.displayName, id: servicePrincipal.id, outcome, ...driftOf(outcome) },
        { kind: 'servicePrincipal', id: servicePrincipal.id, name: application.displayName },
      );
      return grantRoles(run, clients, c, servicePrincipal.id, outcome === 'created', options);
    });
}

/**
 * Grants the connection's roles to `principalId` (an app's service principal or a managed
 * identity's), then reports (or prunes) the principal's other assignments. `alsoWanted`: assignments
 * other connections on the same principal hold (a shared managed identity), never taken for extras.
 * `extrasAt`: the scopes around which the others are looked for (default the connection's own);
 * `null` for all but one of the connections that share a principal (`plan` decides the same).
 * @internal
 */
export function grantRoles(
  run: Run,
  clients: WifClients,
  c: DesiredConnection,
  principalId: string,
  principalIsNew: boolean,
  options: EngineOptions,
  alsoWanted: readonly WantedRole[] = [],
  extrasAt: readonly string[] | null = c.roles.map((r) => r.scope),
): ResultAsync<void, WifError> {
  const so = stepOptions(options);
  const grants = c.roles.map((r) =>
    run
      .timed(`grantRole ${r.role} @ ${r.scope}`, () =>
        grantRoleValidated(
          clients.arm,
          {
            scope: r.scope,
            role: r.role,
            principalId,
            description: `${c.project}/${c.name} (wif)`,
            ...(r.allowPrivileged !== undefined ? { allowPrivileged: r.allowPrivileged } : {}),
          },
          so,
          { principalIsNew },
        ),
      )
      .andThen(({ value, outcome: o }) => {
        const name = `${value.roleName} @ ${value.scope}`;
        run.record(
          { kind: 'roleAssignment', name, id: value.id, outcome: o, ...driftOf(o) },
          { kind: 'roleAssignment', id: value.id, name },
        );
        return ok(value);
      }),
  );
  return ResultAsync.combine(grants).andThen((granted) =>
    // A principal made by this run holds nothing else.
    options.inspectExtras && !principalIsNew && extrasAt !== null
      ? run.timed('inspectRoleAssignments', () => extraRoles(run, clients, extrasAt, principalId, granted, options, alsoWanted))
      : okAsync(undefined),
  );
}

/** Reports (or, with `prune`, removes) the client secrets on an app wif made (`_secrets.ts` decides which). */
function appSecrets(
  run: Run,
  clients: WifClients,
  c: DesiredConnection,
  application: Application,
  options: EngineOptions,
): ResultAsync<void, WifError> {
  // One after the other: they are writes to one application object.
  return secretsToRemove(application, c).reduce<ResultAsync<void, WifError>>(
    (done, k) =>
      done.andThen(() => {
        const resource = { kind: 'appSecret' as const, name: k.label, id: k.keyId, drift: 'extra' as const };
        if (!options.pruneExtras) {
          run.record({ ...resource, outcome: 'reported' });
          return okAsync(undefined);
        }
        return run
          .timed('removeApplicationPassword', () => removeApplicationPassword(clients.graph, application.id, k.keyId, abortOnly(options)))
          .map(() => run.record({ ...resource, outcome: 'deleted' }));
      }),
    okAsync(undefined),
  );
}

/** Reports (or, with `prune`, deletes) the principal's role assignments the spec does not name. */
function extraRoles(
  run: Run,
  clients: WifClients,
  scopes: readonly string[],
  principalId: string,
  granted: readonly GrantedRole[],
  options: EngineOptions,
  alsoWanted: readonly WantedRole[],
): ResultAsync<void, WifError> {
  const wanted = [...granted.map((g) => ({ scope: g.scope, guid: roleDefinitionGuid(g.roleDefinitionId) ?? '' })), ...alsoWanted];
  return listPrincipalAssignments(clients.arm, scopes, principalId, abortOnly(options)).andThen((all) =>
    ResultAsync.combine(
      all
        .filter((a) => !isWanted(a, wanted))
        .map((a) => {
          const resource = { kind: 'roleAssignment' as const, name: assignmentLabel(a), id: a.id, drift: 'extra' as const };
          if (!options.pruneExtras) {
            run.record({ ...resource, outcome: 'reported' });
            return okAsync<undefined, WifError>(undefined);
          }
          return deleteRoleAssignmentById(clients.arm, a.id, abortOnly(options)).andThen(() => {
            run.record({ ...resource, outcome: 'deleted' });
            return ok(undefined);
          });
        }),
    ).andThen(() => ok(undefined)),
  );
}

/**
 * The connection a plan adopted under another name (by id: a connection on a shared managed
 * identity, `_identityRename.ts`), still bound to `appId` (the identity's client id) in the
 * project; else the plan no longer holds: `StalePlan`, and the connection fails (rolled back).
 */
function plannedRename(
  devops: DevOpsClient,
  c: DesiredConnection,
  found: ConnectionLookup,
  id: string,
  appId: string,
  opts: Opts,
): ResultAsync<{ found: ConnectionLookup; renamed: boolean }, WifError> {
  const gone = (why: string): StalePlanError => ({
    kind: 'StalePlan',
    key: c.key,
    changed: [`serviceConnection ${c.name}: the connection ${id} the plan renames back ${why}`],
    message: `${c.key}: the connection ${id} the plan renames back ${why}, so it was not renamed back (what this run made for it is rolled back): run wif plan again and review the new plan.`,
  });
  return getServiceEndpoint(devops, found.project.id, id, opts)
    .orElse((e) => (e.kind === 'NotFound' ? errAsync<ServiceEndpoint, WifError>(gone('no longer exists')) : errAsync(e)))
    .andThen((e) =>
      authParameter(e, 'serviceprincipalid')?.toLowerCase() === appId.toLowerCase()
        ? ok({ found: { project: found.project, existing: e }, renamed: true })
        : err(gone('is no longer bound to its identity')),
    );
}

/** Finds a connection bound to the app under another name (renamed in the portal). */
function findRenamed(
  devops: DevOpsClient,
  found: ConnectionLookup,
  appId: string,
  opts: Opts,
): ResultAsync<{ found: ConnectionLookup; renamed: boolean }, TransportError> {
  return listServiceEndpoints(devops, found.project.id, { type: 'azurerm', includeFailed: true }, opts).andThen((all) => {
    const existing = all.find(
      (e) =>
        authParameter(e, 'serviceprincipalid')?.toLowerCase() === appId.toLowerCase() &&
        e.serviceEndpointProjectReferences?.some((r) => r.projectReference?.id === found.project.id),
    );
    return ok({ found: { project: found.project, existing }, renamed: existing !== undefined });
  });
}

/**
 * The identity a connection authenticates as, as the connection branch needs it: the app's or the
 * managed identity's client id (and tenant), whether this run made it, whether a connection bound to
 * it under another name is this one renamed (not for an identity shared by several connections),
 * and how its credential is bound once the connection exists. @internal
 */
export interface ConnectionIdentity {
  readonly appId: string;
  readonly tenantId?: string;
  readonly isNew: boolean;
  readonly findRenamed: boolean;
  /** The connection the plan adopted under another name (by id), when the lookup by name finds none. */
  readonly renamedId?: string | undefined;
  readonly bindCredential: (connection: ManualConnection) => ResultAsync<TrustChainReport | undefined, WifError>;
}

/** The connection, then what hangs off it: its credential, its shares, its pipeline permissions. @internal */
export function connectionBranch(
  run: Run,
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  identity: ConnectionIdentity,
  lookup: ResultAsync<ConnectionLookup, WifError>,
  options: EngineOptions,
): ResultAsync<TrustChainReport | undefined, WifError> {
  const so = stepOptions(options);
  const connSpec: ConnectionSpecInput = desiredConnectionInput(spec, c, identity.appId, identity.tenantId);
  return lookup
    .andThen((found): ResultAsync<{ found: ConnectionLookup; renamed: boolean }, WifError> =>
      found.existing
        ? okAsync({ found, renamed: false })
        : identity.renamedId
          ? run.timed('findRenamedConnection', () => plannedRename(clients.devops, c, found, identity.renamedId!, identity.appId, so))
          : // Not found by name, but the app existed: the connection may have been renamed; look for it by app.
            identity.isNew || !identity.findRenamed
            ? okAsync({ found, renamed: false })
            : run.timed('findRenamedConnection', () => findRenamed(clients.devops, found, identity.appId, so)),
    )
    .andThen(({ found, renamed }) => {
      const before = found.existing ? connectionDrift(found.existing, connSpec, desiredData(connSpec)) : undefined;
      const changes = before && 'changes' in before ? before.changes : [];
      return run
        .timed('createManualConnection', () => convergeConnection(clients.devops, connSpec, found, so))
        .andThen(({ value, outcome }) => {
          const drift =
            outcome === 'unchanged'
              ? {}
              : { drift: renamed ? ('renamed' as const) : outcome === 'created' ? ('missing' as const) : ('altered' as const), changes };
          run.record(
            { kind: 'serviceConnection', name: value.name, id: value.id, outcome, ...drift },
            { kind: 'serviceConnection', id: value.id, name: value.name, projectId: value.projectId },
          );
          return ok({ connection: value, fresh: outcome === 'created' });
        });
    })
    .andThen(({ connection, fresh }) => {
      const pipelines = c.pipelines;
      return ResultAsync.combine([
        identity.bindCredential(connection),
        c.shareWith.length === 0
          ? okAsync(undefined)
          : run
              .timed('shareConnection', () => shareConnection(clients, c, connection, so))
              .andThen((a) => {
                run.record({
                  kind: 'projectShare',
                  name: c.shareWith.join(', '),
                  id: connection.id,
                  outcome: a.outcome,
                  ...driftOf(a.outcome),
                  changes: a.changes,
                });
                return ok(undefined);
              }),
        pipelines === undefined
          ? okAsync(undefined)
          : run
              .timed('authorizePipelines', () => authorizePipelines(clients, pipelines, connection, fresh, so))
              .andThen((a) => {
                run.record({
                  kind: 'pipelinePermission',
                  name: describePipelines(c),
                  id: connection.id,
                  outcome: a.outcome,
                  ...driftOf(a.outcome),
                  changes: a.changes,
                });
                return ok(undefined);
              }),
        governanceBranch(run, clients, c, connection, fresh, options),
      ] as const).andThen(([trustChain]) => ok(trustChain));
    });
}

/** The connection's report: converged, or failed and rolled back (what this run created). @internal */
export async function finish(
  clients: WifClients,
  c: DesiredConnection,
  options: EngineOptions,
  run: Run,
  error: WifError | undefined,
  trustChain?: TrustChainReport,
): Promise<ConnectionReport> {
  const base = { key: c.key, project: c.project, name: c.name, timings: run.timings };
  const ordered = [...run.resources].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  const duration = (): number => Math.round(monotonicMs() - run.t0);
  if (!error) {
    const changed = ordered.some((r) => r.outcome !== 'unchanged' && r.outcome !== 'reported');
    // `created` when the run made the connection's identity (its app), or, on a managed identity
    // (possibly shared), the connection itself.
    const primary = ordered.find((r) => r.kind === 'application') ?? ordered.find((r) => r.kind === 'serviceConnection');
    const outcome: Outcome = primary?.outcome === 'created' ? 'created' : changed ? 'updated' : 'unchanged';
    return {
      ...base,
      status: 'converged',
      outcome,
      resources: ordered,
      durationInMs: duration(),
      ...(trustChain ? { trustChain } : {}),
      leftovers: [],
    };
  }
  if (options.keepOnFailure || run.created.length === 0) {
    return { ...base, status: 'failed', resources: ordered, durationInMs: duration(), error, leftovers: [] };
  }
  const kept = new Set<string>();
  const leftovers = await rollback(
    clients,
    run.created,
    {
      ...abortOnly(options),
      ...(options.replication ? { replication: options.replication } : {}),
    },
    kept,
  );
  const removed = new Set(run.created.filter((x) => !leftovers.some((l) => l.id === x.id) && !kept.has(x.id)).map((x) => x.id));
  return {
    ...base,
    status: leftovers.length > 0 ? 'rollback-incomplete' : 'rolled-back',
    resources: ordered.map((r) => (r.outcome === 'created' && removed.has(r.id) ? { ...r, outcome: 'deleted' as const } : r)),
    durationInMs: duration(),
    error,
    leftovers,
  };
}
