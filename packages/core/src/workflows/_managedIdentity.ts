/**
 * Connections on a user-assigned managed identity (`identity: { kind: managedIdentity }`) in plan,
 * apply and sync. The same read → decide → write resources as an app-backed connection, with the
 * identity in place of the app and its service principal:
 *
 * - managedIdentity: read by ARM GET, decided by `decideManagedIdentity` (create / unchanged, or
 *   the refusals `UnsupportedRegion` and `IdentityLocationConflict`); wif creates it tagged
 *   `wif:managed`.
 * - roleAssignment: for the identity's `principalId` (roles other connections on the same identity
 *   hold are never taken for extras).
 * - serviceConnection: the manual WIF body with the identity's `clientId` as `serviceprincipalid`
 *   and its `tenantId`.
 * - identityCredential: on the identity (ARM), decided by `decideIdentityCredential`, with the
 *   issuer and subject read back from the connection; the 20-credential limit is an
 *   `IdentityCredentialLimit` refusal. Writes to one identity are serialised.
 *
 * No Microsoft Graph request is made for this kind. @internal
 */
import { type ArmClient, type IdentityFederatedCredential, parseScope, userAssignedIdentityPath } from '@wif/arm';
import { getPipelinePermissions, workloadIdentity } from '@wif/devops';
import type { OperationOptions } from '@wif/http';
import { err, ok, okAsync, ResultAsync, safeTry } from 'neverthrow';
import { WIF_MANAGED_TAG } from '../constants';
import type { WifError } from '../errors';
import { credentialLockKey, withLock } from '../_internal/lock';
import type { Refusal } from '../refusals';
import { credentialNameFor } from '../steps/bindFederatedCredential';
import {
  bindManagedIdentityCredential,
  decideIdentityCredential,
  identityCredentialLimitError,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  readIdentityCredentials,
} from '../steps/bindManagedIdentityCredential';
import { decideConnection, desiredData, lookupConnection, type ManualConnection } from '../steps/createManualConnection';
import {
  decideManagedIdentity,
  ensureManagedIdentity,
  type EnsureManagedIdentityInput,
  readManagedIdentity,
} from '../steps/ensureManagedIdentity';
import { resolveRole } from '../steps/grantRole';
import type { DesiredConnection, DesiredManagedIdentity, ResolvedSpec } from '../spec/load';
import type { RoleGrantSpec } from '../spec/schema';
import type { TrustChainReport } from '../steps/verifySubject';
import { verifyManagedIdentitySubject } from '../steps/verifyManagedIdentitySubject';
import { pipelineChanges } from './_access';
import { presentsSameAfterSave } from './_credential';
import { renamedOnIdentity, sameIdentity } from './_identityRename';
import { decideShare, describePipelines, desiredConnectionInput } from './_desired';
import { connectionBranch, finish, grantRoles } from './_engine';
import { planGovernance } from './_governance';
import { plannedResource as res, planRoles } from './_planRoles';
import type { WantedRole } from './_roles';
import { driftOf, type EngineOptions, Run, stepOptions } from './_run';
import type { WifClients } from './clients';
import { directReads, type RunReads } from '../_internal/runReads';
import type { ConnectionReport, FieldChange, PlannedResource } from './types';

/** The identity wif ensures for a connection: the spec's, tagged `wif:managed` when wif creates it. */
export function desiredIdentity(mi: DesiredManagedIdentity): EnsureManagedIdentityInput {
  return { ...mi, tags: { [WIF_MANAGED_TAG]: 'true' } };
}

/**
 * Where the extras of an identity's principal are looked for, for connection `c`: around every
 * role scope of the spec's connections on the identity, for the first of them in the spec (it
 * reports or prunes them); `null` for the others, so that one extra is one row and one delete.
 */
function extrasScopes(spec: ResolvedSpec, c: DesiredConnection, mi: DesiredManagedIdentity): string[] | null {
  const onIdentity = spec.connections.filter((x) => x.managedIdentity && sameIdentity(x.managedIdentity, mi));
  return onIdentity[0]?.key === c.key ? onIdentity.flatMap((x) => x.roles.map((r) => r.scope)) : null;
}

/** The roles the spec's other connections on the same identity hold. */
function siblingRoles(spec: ResolvedSpec, c: DesiredConnection, mi: DesiredManagedIdentity): RoleGrantSpec[] {
  return spec.connections
    .filter((x) => x.key !== c.key && x.managedIdentity && sameIdentity(x.managedIdentity, mi))
    .flatMap((x) => x.roles);
}

/** The lock of one identity: its creation and every credential write under it queue here (one key per identity). */
const identityLock = (arm: ArmClient, mi: DesiredManagedIdentity): string =>
  credentialLockKey('managedIdentity', arm, userAssignedIdentityPath(mi));

const credentialChanges = (from: IdentityFederatedCredential | undefined, issuer: string, subject: string): FieldChange[] => [
  ...(from?.properties.issuer !== issuer ? [{ field: 'issuer', from: from?.properties.issuer ?? null, to: issuer }] : []),
  ...(from?.properties.subject !== subject ? [{ field: 'subject', from: from?.properties.subject ?? null, to: subject }] : []),
];

/** What plan decides for one managed-identity connection (the shape `plan` expects). */
export interface DecidedOnIdentity {
  readonly resources: PlannedResource[];
  readonly refusals: Refusal[];
  readonly appId: undefined;
  readonly projectId: string | undefined;
}

/**
 * plan (read → decide) of a connection on a managed identity. Reads: the identity and its
 * credentials (ARM), the principal's role assignments, the project and connection, pipeline
 * permissions. No Graph request.
 */
export function planOnManagedIdentity(
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  mi: DesiredManagedIdentity,
  o: OperationOptions,
  reads: RunReads = directReads(clients.devops, o),
): ResultAsync<DecidedOnIdentity, WifError> {
  return safeTry(async function* () {
    const out: PlannedResource[] = [];
    const refusals: Refusal[] = [];
    const want = desiredIdentity(mi);
    // A region without identity credentials is refused before any request.
    const early = decideManagedIdentity(want, undefined);
    if (early.isErr()) return err(early.error);
    const [identity, found] = yield* ResultAsync.combine([
      readManagedIdentity({ arm: clients.arm }, mi, o),
      lookupConnection(clients.devops, { project: c.project, name: c.name }, { findRenamed: false }, o, reads),
    ] as const);
    const done = (): DecidedOnIdentity => ({ resources: out, refusals, appId: undefined, projectId: found.project.id });
    const decided = decideManagedIdentity(want, identity);
    if (decided.isErr()) return err(decided.error);
    out.push(
      decided.value.action === 'create'
        ? res('managedIdentity', 'create', mi.name, {
            changes: [
              { field: 'resourceGroup', from: null, to: mi.resourceGroup },
              { field: 'location', from: null, to: mi.location },
            ],
            note: `tagged ${WIF_MANAGED_TAG}`,
          })
        : res('managedIdentity', 'unchanged', mi.name, { id: decided.value.identity.id }),
    );
    const identityId = identity?.id ?? userAssignedIdentityPath(mi);
    const credentials = identity ? yield* readIdentityCredentials({ arm: clients.arm }, mi, o) : [];

    const roles = yield* planRoles(clients.arm, c.roles, identity?.principalId, o, siblingRoles(spec, c, mi), extrasScopes(spec, c, mi));
    out.push(...roles.resources);
    refusals.push(...roles.refusals);
    if (roles.invalidScope) return ok(done());

    // Not found by name: renamed in the portal, when nothing else on the identity can be meant.
    const renamed =
      !found.existing && identity
        ? renamedOnIdentity(spec, c, identity.clientId, found.project, yield* reads.azurermConnections(found.project.id))
        : undefined;
    const connection = found.existing ?? renamed;
    if (!connection) {
      out.push(res('serviceConnection', 'create', c.name, { note: 'issuer and subject are read back after creation' }));
      if (credentials.length >= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY)
        refusals.push(identityCredentialLimitError(identityId, mi.name, credentials.length));
      out.push(
        res('identityCredential', 'create', 'ado-sc-{connection id}', {
          note: `on managed identity ${mi.name}, bound to the issuer and subject the new connection reports`,
        }),
      );
      if (c.shareWith.length)
        out.push(
          res('projectShare', 'create', c.shareWith.join(', '), {
            changes: c.shareWith.map((p) => ({ field: 'project', from: null, to: p })),
          }),
        );
      if (c.pipelines) out.push(res('pipelinePermission', 'create', describePipelines(c)));
      const governance = yield* planGovernance(clients, c, found.project.id, undefined, o);
      out.push(...governance.resources);
      refusals.push(...governance.refusals);
      return ok(done());
    }
    const wantConnection = desiredConnectionInput(spec, c, identity?.clientId ?? '', identity?.tenantId ?? spec.tenantId);
    const decidedConnection = decideConnection(connection, wantConnection, desiredData(wantConnection), found.project.name);
    if (decidedConnection.isErr()) {
      refusals.push(decidedConnection.error);
      return ok(done());
    }
    const connectionChanges = decidedConnection.value.changes;
    out.push(
      res('serviceConnection', connectionChanges.length > 0 ? 'update' : 'unchanged', c.name, {
        id: connection.id,
        changes: connectionChanges,
        ...(renamed ? { note: `found on managed identity ${mi.name} under another name: renamed to the spec's name` } : {}),
      }),
    );

    // The credential on the identity, from what the connection reports now.
    const wi = workloadIdentity(connection);
    const name = credentialNameFor(connection.id);
    if (!wi.issuer || !wi.subject || (connectionChanges.length > 0 && !presentsSameAfterSave(wi.issuer, wi.subject))) {
      out.push(
        res('identityCredential', 'update', name, {
          note: 'the connection is saved first; the credential follows the issuer and subject it then reports',
        }),
      );
    } else {
      const d = decideIdentityCredential(credentials, wi.issuer, wi.subject, name);
      if (d.action === 'unchanged') out.push(res('identityCredential', 'unchanged', d.credential.name, { id: d.credential.id }));
      else if (d.action === 'create')
        out.push(res('identityCredential', 'create', d.name, { changes: credentialChanges(undefined, wi.issuer, wi.subject) }));
      else if (d.action === 'replace')
        out.push(
          res('identityCredential', 'update', d.name, { id: d.previous.id, changes: credentialChanges(d.previous, wi.issuer, wi.subject) }),
        );
      else refusals.push(identityCredentialLimitError(identityId, mi.name, d.count));
    }

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
      const perms = yield* getPipelinePermissions(clients.devops, found.project.id, { type: 'endpoint', id: connection.id }, o);
      const { changes } = pipelineChanges(c.pipelines, perms);
      out.push(
        res('pipelinePermission', changes.length > 0 ? 'update' : 'unchanged', describePipelines(c), { id: connection.id, changes }),
      );
    }
    // Checks and security roles, as for an app-backed connection.
    const governance = yield* planGovernance(clients, c, found.project.id, connection, o);
    out.push(...governance.resources);
    refusals.push(...governance.refusals);
    return ok(done());
  });
}

/** The siblings' roles as wanted assignments (for extras only; a role that does not resolve is skipped). */
function resolveSiblings(arm: ArmClient, roles: readonly RoleGrantSpec[], o: OperationOptions): ResultAsync<WantedRole[], never> {
  return ResultAsync.fromSafePromise(
    Promise.all(
      roles.map(async (r): Promise<WantedRole[]> => {
        const scope = parseScope(r.scope);
        if (scope.isErr()) return [];
        const resolved = await resolveRole(arm, r.role, scope.value.scope, o);
        return resolved.isOk() ? [{ scope: scope.value.scope, guid: resolved.value.guid }] : [];
      }),
    ).then((x) => x.flat()),
  );
}

/** Binds the connection's issuer and subject on the identity (serialised per identity inside the step), then verifies the chain over ARM. */
function identityCredentialBranch(
  run: Run,
  clients: WifClients,
  mi: DesiredManagedIdentity,
  connection: ManualConnection,
  options: EngineOptions,
): ResultAsync<TrustChainReport | undefined, WifError> {
  const ref = { subscriptionId: mi.subscriptionId, resourceGroup: mi.resourceGroup, name: mi.name };
  return run
    .timed('bindManagedIdentityCredential', () =>
      bindManagedIdentityCredential(
        { arm: clients.arm },
        {
          identity: ref,
          location: mi.location,
          issuer: connection.issuer,
          subject: connection.subject,
          connectionId: connection.id,
        },
        stepOptions(options),
      ),
    )
    .andThen(({ value, outcome }) => {
      run.record(
        { kind: 'identityCredential', name: value.name, id: value.id, outcome, ...driftOf(outcome) },
        { kind: 'identityCredential', id: value.id, name: value.name },
      );
      if (options.skipVerify) return okAsync<TrustChainReport | undefined, WifError>(undefined);
      return run.timed('verifySubject', () =>
        verifyManagedIdentitySubject(
          { arm: clients.arm, devops: clients.devops },
          { project: connection.projectId, connectionId: connection.id, identity: ref },
          stepOptions(options),
        ),
      );
    });
}

/**
 * apply for one connection on a managed identity: the identity (created under its lock, so that
 * connections sharing it in one run create it once), then its roles beside the connection and what
 * hangs off it. A failure rolls back what this run created; the identity only while no credential
 * of another connection is on it.
 */
export async function convergeOnManagedIdentity(
  clients: WifClients,
  spec: ResolvedSpec,
  c: DesiredConnection,
  mi: DesiredManagedIdentity,
  options: EngineOptions,
  renamedId?: string,
): Promise<ConnectionReport> {
  const run = new Run();
  if (options.abortSignal?.aborted)
    return finish(clients, c, options, run, { kind: 'Aborted', message: `Aborted before ${c.project}/${c.name} was started.` });
  const so = stepOptions(options);
  const lookup = run.timed('lookupConnection', () =>
    lookupConnection(clients.devops, { project: c.project, name: c.name }, { findRenamed: false }, so),
  );
  const ensured = await run.timed(
    'ensureManagedIdentity',
    () =>
      new ResultAsync(
        withLock(identityLock(clients.arm, mi), async () => ensureManagedIdentity({ arm: clients.arm }, desiredIdentity(mi), so)),
      ),
  );
  if (ensured.isErr()) {
    await lookup;
    return finish(clients, c, options, run, ensured.error);
  }
  const { value: identity, outcome } = ensured.value;
  run.record(
    { kind: 'managedIdentity', name: identity.name, id: identity.id, outcome, ...driftOf(outcome) },
    { kind: 'managedIdentity', id: identity.id, name: identity.name },
  );
  const isNew = outcome === 'created';
  const siblings = siblingRoles(spec, c, mi);
  const extrasAt = extrasScopes(spec, c, mi);
  // The siblings' roles are resolved only where extras are looked for.
  const alsoWanted =
    options.inspectExtras && extrasAt !== null && siblings.length > 0
      ? resolveSiblings(clients.arm, siblings, so)
      : okAsync<WantedRole[]>([]);
  const [roles, conn] = await Promise.all([
    alsoWanted.andThen((w) => grantRoles(run, clients, c, identity.principalId, isNew, options, w, extrasAt)),
    connectionBranch(
      run,
      clients,
      spec,
      c,
      {
        appId: identity.clientId,
        tenantId: identity.tenantId,
        isNew,
        // The identity may be shared: a connection bound to it under another name is another
        // connection, unless the plan paired it with this one (`_identityRename.ts`).
        findRenamed: false,
        renamedId,
        bindCredential: (connection) => identityCredentialBranch(run, clients, mi, connection, options),
      },
      lookup,
      options,
    ),
  ]);
  const error = roles.isErr() ? roles.error : conn.isErr() ? conn.error : undefined;
  return finish(clients, c, options, run, error, conn.isOk() ? conn.value : undefined);
}
