/**
 * The bridge between a plan and the preflight: which writes a plan contains, and which
 * connections a report refuses. `plan` calls both, so `apply` and saved plans carry the refusals.
 */
import { BUILT_IN_ROLES, parseScope } from '@wif/arm';
import { isGuid as isArmGuid } from '../validation';
import type { MissingPermission, PermissionMissingError } from '../errors';
import type { DesiredConnection } from '../spec/load';
import type { PlannedResource } from '../workflows/types';
import type { WifClients } from '../workflows/clients';
import { preflight, type PreflightOptions } from './preflight';
import type { PreflightReport, PreflightWrite } from './types';

/** The part of a connection's plan the preflight reads. */
export interface PlannedConnectionWrites {
  readonly key: string;
  readonly project: string;
  /** The project's GUID when the plan read it (saves a lookup). */
  readonly projectId?: string;
  readonly resources: readonly PlannedResource[];
}

const ROLE_ASSIGNMENT_WRITE = 'Microsoft.Authorization/roleAssignments/write';
const IDENTITY_WRITE = 'Microsoft.ManagedIdentity/userAssignedIdentities/write';
const IDENTITY_CREDENTIAL_WRITE = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write';

/** The role definition GUID of a spec role (a built-in name or a GUID); `undefined` for a custom role name. */
function roleGuid(role: string): string | undefined {
  if (isArmGuid(role)) return role.toLowerCase();
  const hit = Object.entries(BUILT_IN_ROLES).find(([name]) => name.toLowerCase() === role.toLowerCase());
  return hit?.[1];
}

/**
 * The writes of one connection's plan, with the permission each needs: Graph app/SP/credential
 * writes (for a managed identity instead: `userAssignedIdentities/write` and
 * `…/federatedIdentityCredentials/write` at its resource group, no Graph write); a role assignment's `roleAssignments/write` at its scope; Create in the project for a new
 * connection; Administer on an existing connection that is updated, shared or whose pipeline
 * permissions, checks or security roles change (on a new connection those follow from Create: its creator administers it).
 * `unchanged` resources and what `apply` only reports (`delete` of role assignments) need nothing.
 */
export function writesOfConnection(plan: PlannedConnectionWrites, desired?: DesiredConnection): PreflightWrite[] {
  const out: PreflightWrite[] = [];
  const { key: connection, project } = plan;
  const newApp = plan.resources.some((r) => r.kind === 'application' && r.action === 'create');
  const newPrincipal = plan.resources.some((r) => (r.kind === 'servicePrincipal' || r.kind === 'managedIdentity') && r.action === 'create');
  // A managed identity's writes are ARM writes at its resource group (the identity may not exist yet).
  const mi = desired?.managedIdentity;
  const identityGroup = mi ? `/subscriptions/${mi.subscriptionId}/resourceGroups/${mi.resourceGroup}` : undefined;
  const connectionResource = plan.resources.find((r) => r.kind === 'serviceConnection');
  const newConnection = connectionResource?.action === 'create';
  const projectId = plan.projectId !== undefined ? { projectId: plan.projectId } : {};
  for (const r of plan.resources) {
    if (r.action === 'unchanged') continue;
    switch (r.kind) {
      case 'application':
        if (r.action !== 'delete')
          out.push({
            service: 'graph',
            connection,
            write: r.action === 'create' ? 'createApplication' : 'updateApplication',
            newApplication: newApp,
          });
        break;
      case 'appSecret':
        // Only reported by apply (removed by sync with prune, on an app the caller already writes): nothing is sent.
        break;
      case 'servicePrincipal':
        if (r.action === 'create') out.push({ service: 'graph', connection, write: 'createServicePrincipal', newApplication: newApp });
        break;
      case 'managedIdentity':
        if (r.action === 'create' && identityGroup) out.push({ service: 'arm', connection, action: IDENTITY_WRITE, scope: identityGroup });
        break;
      case 'identityCredential':
        if (r.action !== 'delete' && identityGroup)
          out.push({ service: 'arm', connection, action: IDENTITY_CREDENTIAL_WRITE, scope: identityGroup });
        break;
      case 'federatedCredential':
        // A credential "delete" that is only reported (made for another connection) is not sent by apply.
        if (r.action !== 'delete' || r.note?.includes('once the new credential verifies'))
          out.push({ service: 'graph', connection, write: 'writeFederatedCredential', newApplication: newApp });
        break;
      case 'roleAssignment': {
        if (r.action !== 'create') break;
        const at = r.name.lastIndexOf(' @ ');
        const scope = at >= 0 ? r.name.slice(at + 3) : '';
        if (parseScope(scope).isErr()) break;
        const wanted = desired?.roles.find((g) => {
          const s = parseScope(g.scope);
          return (
            s.isOk() && s.value.scope.toLowerCase() === scope.toLowerCase() && r.name.slice(0, at).toLowerCase() === g.role.toLowerCase()
          );
        });
        const guid = wanted ? roleGuid(wanted.role) : roleGuid(r.name.slice(0, at));
        out.push({
          service: 'arm',
          connection,
          action: ROLE_ASSIGNMENT_WRITE,
          scope,
          newPrincipal,
          ...(guid !== undefined ? { roleDefinitionGuid: guid } : {}),
        });
        break;
      }
      case 'serviceConnection':
        if (r.action === 'create') out.push({ service: 'devops', connection, permission: 'Create', project, ...projectId });
        else if (r.action === 'update' && r.id !== undefined)
          out.push({ service: 'devops', connection, permission: 'Administer', project, ...projectId, endpointId: r.id });
        break;
      case 'securityRole':
      case 'check':
      case 'projectShare':
      case 'pipelinePermission': {
        // An extra role holder is only reported by apply (removed by sync with prune): nothing is sent.
        if (r.kind === 'securityRole' && r.action === 'delete') break;
        // A check or role is named by its kind or identity; the connection's id is the connection resource's.
        const endpointId = r.kind === 'check' || r.kind === 'securityRole' ? connectionResource?.id : (r.id ?? connectionResource?.id);
        if (!newConnection && endpointId !== undefined)
          out.push({ service: 'devops', connection, permission: 'Administer', project, ...projectId, endpointId });
        break;
      }
    }
  }
  return out;
}

/**
 * The writes a spec needs to be created from nothing (what `wif whoami` checks without planning):
 * per connection, the application, its service principal and credential (or the managed identity
 * and its credential); each role assignment at
 * its scope; Create in the connection's project.
 */
export function writesFromSpec(spec: { readonly connections: readonly DesiredConnection[] }): PreflightWrite[] {
  return spec.connections.flatMap((c): PreflightWrite[] => [
    ...identityWrites(c),
    ...c.roles.flatMap((r): PreflightWrite[] => {
      const scope = parseScope(r.scope);
      if (scope.isErr()) return [];
      const guid = roleGuid(r.role);
      return [
        {
          service: 'arm',
          connection: c.key,
          action: ROLE_ASSIGNMENT_WRITE,
          scope: scope.value.scope,
          newPrincipal: true,
          ...(guid !== undefined ? { roleDefinitionGuid: guid } : {}),
        },
      ];
    }),
    { service: 'devops', connection: c.key, permission: 'Create', project: c.project },
  ]);
}

/** The writes that make a connection's identity: an app (Graph), or a managed identity and its credential (ARM, no Graph). */
function identityWrites(c: DesiredConnection): PreflightWrite[] {
  const mi = c.managedIdentity;
  if (mi) {
    const scope = `/subscriptions/${mi.subscriptionId}/resourceGroups/${mi.resourceGroup}`;
    return [
      { service: 'arm', connection: c.key, action: IDENTITY_WRITE, scope },
      { service: 'arm', connection: c.key, action: IDENTITY_CREDENTIAL_WRITE, scope },
    ];
  }
  return [
    { service: 'graph', connection: c.key, write: 'createApplication', newApplication: true },
    { service: 'graph', connection: c.key, write: 'createServicePrincipal', newApplication: true },
    { service: 'graph', connection: c.key, write: 'writeFederatedCredential', newApplication: true },
  ];
}

/** Every write of a plan's connections that can be planned (those carrying an error write nothing). */
export function writesFromPlan(plan: {
  readonly connections: readonly (PlannedConnectionWrites & { readonly error?: unknown })[];
  readonly spec?: { readonly connections: readonly DesiredConnection[] };
}): PreflightWrite[] {
  return plan.connections
    .filter((c) => c.error === undefined)
    .flatMap((c) =>
      writesOfConnection(
        c,
        plan.spec?.connections.find((d) => d.key === c.key),
      ),
    );
}

/**
 * The refusal of each connection that needs a permission the report says is `missing`, keyed by the
 * connection's spec key. `unknown` never refuses.
 */
export function refusalsFromReport(report: PreflightReport): ReadonlyMap<string, PermissionMissingError> {
  const perConnection = new Map<string, MissingPermission[]>();
  for (const c of report.checks) {
    if (c.status !== 'missing') continue;
    const m: MissingPermission = { service: c.service, permission: c.permission, scope: c.scope, fix: c.fix ?? '' };
    for (const key of c.connections) perConnection.set(key, [...(perConnection.get(key) ?? []), m]);
  }
  const out = new Map<string, PermissionMissingError>();
  for (const [key, missing] of perConnection) {
    const [first, ...rest] = missing as [MissingPermission, ...MissingPermission[]];
    out.set(key, {
      kind: 'PermissionMissing',
      caller: report.caller.display,
      ...first,
      missing,
      message:
        `${report.caller.display} lacks ${first.permission} on ${first.scope}; wif writes nothing for this connection. Fix: ${first.fix}` +
        (rest.length
          ? ` Also missing: ${rest.map((m) => `${m.permission} on ${m.scope}${m.fix ? ` (fix: ${m.fix.replace(/\.$/, '')})` : ''}`).join('; ')}.`
          : ''),
    });
  }
  return out;
}

/**
 * What `plan` calls after deciding every connection: one preflight over the writes of the
 * connections that can be planned, then a `PermissionMissing` refusal added to each connection that
 * needs a missing permission (appended to its `refusals` when it has them, and as its `error` when it
 * has none yet), so that `apply` sends no write for it. Connections needing nothing missing are
 * returned unchanged. A preflight that cannot run (aborted) refuses nothing and returns no report.
 */
export async function refuseMissingPermissions<
  C extends PlannedConnectionWrites & { readonly error?: unknown; readonly refusals?: readonly unknown[] },
>(
  clients: WifClients,
  connections: readonly C[],
  spec: { readonly connections: readonly DesiredConnection[] },
  options: PreflightOptions = {},
): Promise<{ connections: C[]; report?: PreflightReport }> {
  const writes = writesFromPlan({ connections, spec });
  if (writes.length === 0) return { connections: [...connections] };
  const checked = await preflight(clients, writes, options);
  if (checked.isErr()) return { connections: [...connections] };
  const refusals = refusalsFromReport(checked.value);
  return {
    report: checked.value,
    connections: connections.map((c) => {
      const refusal = refusals.get(c.key);
      if (!refusal) return c;
      return {
        ...c,
        ...(c.refusals !== undefined ? { refusals: [...c.refusals, refusal] } : {}),
        error: c.error ?? refusal,
      };
    }),
  };
}
