/**
 * The work of migration steps 1–6 (the seed's runbook), each a function of the journaled record
 * returning the fields it fills in. Each converges (deterministic names, look-ups before creates),
 * so re-running one that was killed half-way creates nothing twice.
 */
import { listRoleAssignments, parseScope, PRIVILEGED_ROLE_IDS, roleDefinitionGuid } from '@wif/arm';
import { getPipelinePermissions, getServiceEndpoint, shareServiceEndpoint, updatePipelinePermissions, workloadIdentity } from '@wif/devops';
import { getApplication, getServicePrincipal } from '@wif/graph';
import { collect } from '@wif/http';
import { err, ok, ResultAsync, safeTry } from 'neverthrow';
import { roleNameOf } from '../audit/inspectIdentity';
import { targetListScope } from '../target';
import { bindFederatedCredential } from '../steps/bindFederatedCredential';
import { createManualConnection } from '../steps/createManualConnection';
import { grantRole } from '../steps/grantRole';
import { registerApp } from '../steps/registerApp';
import { type TrustChainReport, verifySubject } from '../steps/verifySubject';
import { verifyManagedIdentitySubject } from '../steps/verifyManagedIdentitySubject';
import { bindManagedIdentityCredential } from '../steps/bindManagedIdentityCredential';
import { ensureManagedIdentity } from '../steps/ensureManagedIdentity';
import { WIF_MANAGED_TAG } from '../constants';
import type { MigrationError, NotMigratableError } from './errors';
import type { MigrationRecord } from './journal';
import { nowIso, type Run, stepOptions, type StepOutcome } from './_run';
import { same } from '../_internal/compare';

/** Most direct assignments one principal is expected to hold at one scope. */
const MAX_ASSIGNMENTS = 5_000;

/** The deterministic `uniqueName` of the app a migration registers: a re-run finds it instead of making another. @internal */
export function newAppUniqueName(migrationId: string): string {
  return `wif-migrate-${migrationId.toLowerCase()}`;
}

function opts(run: Run): { abortSignal?: AbortSignal } {
  return run.options.abortSignal ? { abortSignal: run.options.abortSignal } : {};
}

/**
 * Step 1: the old connection's service principal, its app (if this tenant holds it) and its direct
 * role assignments: listed with `principalId eq` at the connection's scope (and `inventoryScopes`),
 * kept only when the assignment's principal is that service principal, each with its real scope
 * (`properties.scope`). Assignments with a condition, or at the tenant root, are not copied: listed
 * as skipped.
 */
export function inventory(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const { graph, arm } = run.clients;
  const r = run.record;
  return safeTry(async function* () {
    const sp = await getServicePrincipal(graph, { appId: r.old.appId }, opts(run));
    if (sp.isErr()) {
      if (sp.error.kind !== 'NotFound') return err(sp.error);
      return err<never, NotMigratableError>({
        kind: 'NotMigratable',
        connectionId: r.old.connectionId,
        reason: 'NoIdentity',
        message: `App ${r.old.appId} of "${r.old.name}" has no service principal in this tenant: there are no role assignments to copy. Check the tenant, or create the new connection with apply.`,
      });
    }
    const app = await getApplication(graph, { appId: r.old.appId }, opts(run));
    if (app.isErr() && app.error.kind !== 'NotFound') return err(app.error);
    const principalId = sp.value.id;
    const scopes = [...new Set([targetListScope(r.old.target), ...r.inventoryScopes])];
    const seen = new Set<string>();
    const roles: NonNullable<MigrationRecord['inventory']>['roles'] = [];
    const skipped: NonNullable<MigrationRecord['inventory']>['skipped'] = [];
    for (const scope of scopes) {
      const listed = yield* ResultAsync.fromSafePromise(
        collect(listRoleAssignments(arm, scope, { principalId }, opts(run)), MAX_ASSIGNMENTS),
      ).andThen((x) => x);
      for (const a of listed) {
        if (!same(a.properties.principalId, principalId) || seen.has(a.id.toLowerCase())) continue;
        seen.add(a.id.toLowerCase());
        const guid = roleDefinitionGuid(a.properties.roleDefinitionId) ?? a.properties.roleDefinitionId;
        const parsed = parseScope(a.properties.scope);
        if (a.properties.condition) {
          skipped.push({
            id: a.id,
            scope: a.properties.scope,
            roleDefinitionId: guid,
            reason: 'has a condition, which wif does not copy: copy it by hand',
          });
        } else if (parsed.isErr()) {
          skipped.push({
            id: a.id,
            scope: a.properties.scope,
            roleDefinitionId: guid,
            reason: 'its scope (e.g. the tenant root) cannot be copied: copy it by hand if it is needed',
          });
        } else {
          const level = parsed.value.level;
          roles.push({
            id: a.id,
            name: a.name,
            scope: parsed.value.scope,
            roleDefinitionId: guid,
            roleName: roleNameOf(guid),
            privileged: PRIVILEGED_ROLE_IDS.has(guid) && (level === 'subscription' || level === 'managementGroup'),
          });
        }
      }
    }
    const applicationObjectId = app.isOk() ? app.value.id : null;
    return ok({
      patch: { inventory: { servicePrincipalObjectId: principalId, applicationObjectId, roles, skipped } },
      message: `service principal ${principalId}: ${roles.length} role assignment(s) to copy${skipped.length ? `, ${skipped.length} skipped` : ''}`,
      notes: [
        ...(applicationObjectId === null
          ? [`The app registration of ${r.old.appId} is not in this tenant: it will not be deleted at clean-up.`]
          : []),
        ...skipped.map((s) => `Not copied: ${s.roleDefinitionId} at ${s.scope} (${s.reason}).`),
      ],
    });
  });
}

/** The tag wif puts on a managed identity a migration creates: rollback deletes only an identity with its migration's id. @internal */
export const MIGRATION_TAG = 'wif:migration';

/**
 * Step 2: a new single-tenant app beside the old one (found again by its unique name on a re-run);
 * or, with `identity`, the user-assigned managed identity (created when missing, tagged with the
 * migration's id; no Graph request).
 */
export function registerNewApp(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const r = run.record;
  const mi = r.identity;
  if (mi) {
    return ensureManagedIdentity(
      { arm: run.clients.arm },
      { ...mi, tags: { [WIF_MANAGED_TAG]: 'true', [MIGRATION_TAG]: r.id } },
      stepOptions(run.options),
    ).andThen(({ value, outcome }) =>
      same(value.tenantId, r.tenantId)
        ? ok({
            patch: {
              app: {
                appId: value.clientId,
                applicationObjectId: value.id,
                servicePrincipalObjectId: value.principalId,
                uniqueName: value.name,
                displayName: value.name,
              },
            },
            message: `managed identity ${value.name} (clientId ${value.clientId}) ${outcome}`,
          })
        : err<never, MigrationError>({
            kind: 'IdentityMismatch',
            field: 'tenantId',
            connection: r.old.name,
            expected: r.tenantId,
            message: `Managed identity ${value.name} is in tenant ${value.tenantId}, not ${r.tenantId}: a connection can only run on an identity of its own tenant.`,
          }),
    );
  }
  const uniqueName = newAppUniqueName(r.id);
  return registerApp(
    { graph: run.clients.graph },
    {
      displayName: r.appDisplayName,
      uniqueName,
      notes: `Replaces app ${r.old.appId} of service connection "${r.old.name}" (wif migrate).`,
    },
    stepOptions(run.options),
  ).map(({ value, outcome }) => ({
    patch: {
      app: {
        appId: value.appId,
        applicationObjectId: value.applicationObjectId,
        servicePrincipalObjectId: value.servicePrincipalObjectId,
        uniqueName,
        displayName: value.displayName,
      },
    },
    message: `app ${value.appId} ${outcome}`,
  }));
}

/** Step 3: the same role assignments for the new service principal; privileged ones only where the old one held them. */
export function copyRoles(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const r = run.record;
  const principalId = r.app!.servicePrincipalObjectId;
  return safeTry(async function* () {
    const roles: NonNullable<MigrationRecord['roles']> = [];
    const notes: string[] = [];
    for (const role of r.inventory!.roles) {
      const granted = yield* grantRole(
        { arm: run.clients.arm },
        {
          scope: role.scope,
          role: role.roleDefinitionId,
          principalId,
          description: `Copied from ${r.old.appId} for "${r.newName}" (wif migrate)`,
          ...(role.privileged ? { allowPrivileged: true } : {}),
        },
        stepOptions(run.options),
      );
      roles.push({
        id: granted.value.id,
        name: granted.value.name,
        scope: granted.value.scope,
        roleDefinitionId: role.roleDefinitionId,
        roleName: role.roleName,
        allowPrivileged: role.privileged,
      });
      if (role.privileged)
        notes.push(`${role.roleName} at ${role.scope} copied with allowPrivileged: the old service principal held it at that scope.`);
    }
    return ok({ patch: { roles }, message: `${roles.length} role assignment(s) copied`, notes });
  });
}

/**
 * Step 4a: the new manual WIF connection, in the old one's project and shared into its other
 * projects, with the issuer and subject as Azure DevOps reports them after sharing.
 */
export function createNewConnection(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const r = run.record;
  const devops = run.clients.devops;
  return safeTry(async function* () {
    const created = yield* createManualConnection(
      { devops },
      {
        project: r.project.id,
        name: r.newName,
        tenantId: r.tenantId,
        appId: r.app!.appId,
        target: r.old.target,
        cloud: r.old.cloud,
        description: `Replaces "${r.old.name}" (wif migrate).`,
      },
      stepOptions(run.options),
    );
    let { issuer, subject } = created.value;
    const missing = r.old.projects.filter((p) => !created.value.projectReferences.some((x) => same(x.id, p.id)));
    if (missing.length > 0) {
      yield* shareServiceEndpoint(
        devops,
        created.value.id,
        missing.map((p) => ({ projectReference: p, name: r.newName })),
        opts(run),
      );
      // Sharing may change a legacy subject: read back what the connection presents now.
      const now = workloadIdentity(yield* getServiceEndpoint(devops, r.project.id, created.value.id, opts(run)));
      issuer = now.issuer ?? issuer;
      subject = now.subject ?? subject;
    }
    const projects = [...created.value.projectReferences.map((p) => ({ id: p.id, name: p.name })), ...missing];
    return ok({
      patch: { connection: { id: created.value.id, name: created.value.name, issuer, subject, projects } },
      message: `connection "${created.value.name}" (${created.value.id}) ${created.outcome}${missing.length ? `, shared into ${missing.map((p) => p.name).join(', ')}` : ''}`,
    });
  });
}

/** Step 4b: the federated credential on the new app, exactly the connection's issuer and subject. */
export function bindCredential(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const r = run.record;
  const c = r.connection!;
  if (r.identity)
    return bindManagedIdentityCredential(
      { arm: run.clients.arm },
      {
        identity: { subscriptionId: r.identity.subscriptionId, resourceGroup: r.identity.resourceGroup, name: r.identity.name },
        location: r.identity.location,
        issuer: c.issuer,
        subject: c.subject,
        connectionId: c.id,
      },
      opts(run),
    ).map(({ value, outcome }) => ({
      patch: { credential: { id: value.id, name: value.name } },
      message: `credential "${value.name}" on managed identity ${r.identity!.name} ${outcome}`,
    }));
  return bindFederatedCredential(
    { graph: run.clients.graph },
    { appObjectId: r.app!.applicationObjectId, issuer: c.issuer, subject: c.subject, connectionId: c.id },
    opts(run),
  ).map(({ value, outcome }) => ({
    patch: { credential: { id: value.id, name: value.name } },
    message: `credential "${value.name}" ${outcome}`,
  }));
}

/** Step 4c: the trust chain, proved by exact comparison before any pipeline uses it. */
export function verifyNew(run: Run): ResultAsync<StepOutcome, MigrationError> {
  return verifyNewChain(run.clients, run.record, opts(run)).map((report) => ({
    patch: { verifiedAt: nowIso(run) },
    message: `trust chain verified (${report.issuerFormat} issuer)`,
    notes: report.warnings,
  }));
}

/** The new connection's trust chain: against the new app's credentials (Graph), or the identity's (ARM). @internal */
export function verifyNewChain(
  clients: Run['clients'],
  r: MigrationRecord,
  o: { abortSignal?: AbortSignal },
): ResultAsync<TrustChainReport, MigrationError> {
  const connectionId = r.connection!.id;
  return r.identity
    ? verifyManagedIdentitySubject(
        { arm: clients.arm, devops: clients.devops },
        {
          project: r.project.id,
          connectionId,
          identity: { subscriptionId: r.identity.subscriptionId, resourceGroup: r.identity.resourceGroup, name: r.identity.name },
        },
        o,
      )
    : verifySubject(
        { graph: clients.graph, devops: clients.devops },
        { project: r.project.id, connectionId, appObjectId: r.app!.applicationObjectId },
        o,
      );
}

/**
 * Step 5: which pipelines may use the old connection, per project (its pipeline permissions), so they
 * can be pointed at the new one; with `copyPipelinePermissions`, the same pipelines are authorised on
 * the new connection, so a switched pipeline does not stop for an approval.
 */
export function reportPipelines(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const r = run.record;
  const devops = run.clients.devops;
  return safeTry(async function* () {
    const pipelines: NonNullable<MigrationRecord['pipelines']> = [];
    for (const project of r.old.projects) {
      const perms = yield* getPipelinePermissions(devops, project.id, { type: 'endpoint', id: r.old.connectionId }, opts(run));
      const pipelineIds = perms.pipelines.filter((p) => p.authorized).map((p) => p.id);
      const allPipelines = perms.allPipelines?.authorized === true;
      pipelines.push({ project, allPipelines, pipelineIds });
      if (r.copyPipelinePermissions && (allPipelines || pipelineIds.length > 0)) {
        yield* updatePipelinePermissions(
          devops,
          project.id,
          { type: 'endpoint', id: r.connection!.id },
          {
            ...(pipelineIds.length ? { pipelines: pipelineIds.map((id) => ({ id, authorized: true })) } : {}),
            ...(allPipelines ? { allPipelines: { authorized: true } } : {}),
          },
          opts(run),
        );
      }
    }
    const count = pipelines.reduce((n, p) => n + p.pipelineIds.length, 0);
    const open = pipelines.filter((p) => p.allPipelines).map((p) => p.project.name);
    return ok({
      patch: { pipelines },
      message: `${count} pipeline(s) authorised on "${r.old.name}"${open.length ? `; open to all pipelines in ${open.join(', ')}` : ''}: point them at "${r.connection!.name}"`,
    });
  });
}

/** Step 6 begins: the new connection is live; the soak period counts from now. */
export function goLive(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const at = nowIso(run);
  return ResultAsync.fromSafePromise(
    Promise.resolve({ patch: { liveAt: at }, message: `"${run.record.newName}" is live; soak before finishing` }),
  );
}
