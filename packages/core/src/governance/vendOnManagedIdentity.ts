/**
 * Vending one connection on a user-assigned managed identity, composed from the steps:
 * identity → service connection (the manual WIF body with the identity's `clientId` as
 * `serviceprincipalid` and its `tenantId`) → federated credential on the identity → roles for the
 * identity's principal → checks → security roles. No Microsoft Graph call. The order is the one the
 * docs require (learn.microsoft.com/azure/devops/pipelines/release/configure-workload-identity:
 * identity, connection, credential, role). Until plan/apply own these resources this is how a spec's
 * managed-identity connections are vended; each part is safe to re-run.
 */
import type { ManualConnection } from '../steps/createManualConnection';
import { createManualConnection } from '../steps/createManualConnection';
import { bindManagedIdentityCredential } from '../steps/bindManagedIdentityCredential';
import { ensureManagedIdentity, type ManagedIdentity } from '../steps/ensureManagedIdentity';
import { grantRole } from '../steps/grantRole';
import type { DesiredConnection } from '../spec/load';
import type { WifError } from '../errors';
import type { Outcome, StepOptions } from '../types';
import type { ReplicationRetryOptions } from '../_internal/replication';
import { withLock } from '../_internal/lock';
import type { WifClients } from '../workflows/clients';
import { ensureChecks, type EnsuredCheck } from './checks';
import { ensureSecurityRoles, type RoleChange } from './securityRoles';
import { errAsync, ok, ResultAsync, safeTry } from 'neverthrow';
import { validationError } from '@wif/http';

/** What {@link vendOnManagedIdentity} did, part by part. */
export interface ManagedIdentityVendReport {
  readonly identity: { readonly value: ManagedIdentity; readonly outcome: Outcome };
  readonly connection: { readonly value: ManualConnection; readonly outcome: Outcome };
  readonly credential: Outcome;
  readonly roles: readonly Outcome[];
  readonly checks: readonly EnsuredCheck[];
  readonly security: readonly RoleChange[];
}

export interface VendOnManagedIdentityOptions extends StepOptions {
  /** Remove security-role drift (assignments the spec does not name). */
  readonly prune?: boolean;
  readonly replication?: ReplicationRetryOptions;
  readonly conflictRetry?: { readonly delayInMs?: number; readonly maxAttempts?: number };
}

/**
 * Vends (or converges) one desired connection that names a managed identity. Work on one connection
 * is serialised in this process; credential writes are serialised per identity.
 * Permission: Managed Identity Contributor on the identity's resource group, role-assignment write at
 * the role scopes, Endpoint Creator in the project; no Graph permission.
 * @example for (const c of spec.connections) if (c.managedIdentity) await vendOnManagedIdentity(clients, c);
 */
export function vendOnManagedIdentity(
  clients: Pick<WifClients, 'arm' | 'devops'>,
  connection: DesiredConnection,
  options: VendOnManagedIdentityOptions = {},
): ResultAsync<ManagedIdentityVendReport, WifError> {
  const mi = connection.managedIdentity;
  if (!mi) return errAsync(validationError([{ path: `${connection.origin}.identity`, message: 'names no managed identity' }]));
  const step: StepOptions = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const key = `vend|${clients.devops.transport.baseUrl}|${connection.key}`;
  const run = (): ResultAsync<ManagedIdentityVendReport, WifError> =>
    safeTry(async function* () {
      const identity = yield* ensureManagedIdentity({ arm: clients.arm }, mi, step);
      const sc = yield* createManualConnection(
        { devops: clients.devops },
        {
          project: connection.project,
          name: connection.name,
          tenantId: identity.value.tenantId,
          appId: identity.value.clientId,
          target: connection.target,
          ...(connection.description !== undefined ? { description: connection.description } : {}),
        },
        step,
      );
      const credential = yield* bindManagedIdentityCredential(
        { arm: clients.arm },
        {
          identity: { subscriptionId: mi.subscriptionId, resourceGroup: mi.resourceGroup, name: mi.name },
          location: mi.location,
          issuer: sc.value.issuer,
          subject: sc.value.subject,
          connectionId: sc.value.id,
        },
        { ...step, ...(options.conflictRetry ? { conflictRetry: options.conflictRetry } : {}) },
      );
      const roles: Outcome[] = [];
      for (const r of connection.roles) {
        const granted = yield* grantRole(
          { arm: clients.arm },
          {
            scope: r.scope,
            role: r.role,
            principalId: identity.value.principalId,
            description: `wif: ${connection.project}/${connection.name}`,
            ...(r.allowPrivileged !== undefined ? { allowPrivileged: r.allowPrivileged } : {}),
          },
          { ...step, ...(options.replication ? { replication: options.replication } : {}) },
        );
        roles.push(granted.outcome);
      }
      const checks = connection.checks
        ? yield* ensureChecks(
            { devops: clients.devops },
            { project: sc.value.projectId, endpointId: sc.value.id, checks: connection.checks },
            step,
          )
        : [];
      const security = connection.security
        ? yield* ensureSecurityRoles(
            { devops: clients.devops },
            { projectId: sc.value.projectId, endpointId: sc.value.id, security: connection.security, prune: options.prune ?? false },
            step,
          )
        : [];
      return ok({ identity, connection: sc, credential: credential.outcome, roles, checks, security });
    });
  return new ResultAsync(withLock(key, async () => await run()));
}
