/**
 * `verifySubject` for a connection on a user-assigned managed identity: the connection's issuer and
 * subject (Azure DevOps) against the identity's federated credentials (ARM), compared exactly. No
 * Microsoft Graph request.
 */
import { type ArmClient, getUserAssignedIdentity } from '@wif/arm';
import { type DevOpsClient, getServiceEndpoint } from '@wif/devops';
import { deferred, type LimitExceededError, type OperationOptions } from '@wif/http';
import { err, errAsync, ok, ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import { issuerKind } from '../constants';
import type { IdentityMismatchError } from '../errors';
import type { StepOptions } from '../types';
import { guidSchema, projectSchema, validate } from '../validation';
import { readIdentityCredentials } from './bindManagedIdentityCredential';
import { identityNameSchema, resourceGroupNameSchema } from './ensureManagedIdentity';
import { connectionWarnings, exactCredential, presentedIdentity, type TrustChainReport, type VerifySubjectError } from './verifySubject';

/** Input of {@link verifyManagedIdentitySubject}. */
export interface VerifyManagedIdentitySubjectInput {
  /** Project name or id the connection is in. */
  readonly project: string;
  /** The connection's id. */
  readonly connectionId: string;
  /** The identity the connection should run on. */
  readonly identity: { readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string };
}

const inputSchema = deferred(() =>
  z.strictObject({
    project: projectSchema,
    connectionId: guidSchema,
    identity: z.strictObject({ subscriptionId: guidSchema, resourceGroup: resourceGroupNameSchema, name: identityNameSchema }),
  }),
);

/**
 * Proves the trust chain of a connection on a managed identity before any pipeline runs.
 *
 * Calls `GET …/serviceendpoint/endpoints/{id}`, `GET …/userAssignedIdentities/{name}` and
 * `GET …/userAssignedIdentities/{name}/federatedIdentityCredentials` (api-version 2024-11-30), all
 * at once. Permission: read on the connection and Reader on the identity. Read-only, safe to re-run.
 * Errors: `Validation`, `IdentityMismatch` (the connection names another client id),
 * `SubjectMismatch` (no credential with exactly its issuer and subject), `AudienceMismatch`, and
 * those of every call. In the report, `appId` is the identity's client id and `appObjectId` its
 * principal id.
 *
 * @example
 * await verifyManagedIdentitySubject({ arm, devops }, { project: 'platform', connectionId: sc.id, identity: { subscriptionId, resourceGroup: 'rg-identities', name: 'id-platform' } });
 */
export function verifyManagedIdentitySubject(
  deps: { readonly arm: ArmClient; readonly devops: DevOpsClient },
  input: VerifyManagedIdentitySubjectInput,
  options: StepOptions = {},
): ResultAsync<TrustChainReport, VerifySubjectError | LimitExceededError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  const opts: OperationOptions = options;
  return safeTry(async function* () {
    const [endpoint, identity, credentials] = yield* ResultAsync.combine([
      getServiceEndpoint(deps.devops, v.project, v.connectionId, opts),
      getUserAssignedIdentity(deps.arm, v.identity, opts),
      readIdentityCredentials(deps, v.identity, options),
    ] as const);
    const { issuer, subject, clientId } = yield* presentedIdentity(endpoint);
    const mi = identity.properties;
    if (mi.clientId.toLowerCase() !== clientId.toLowerCase()) {
      return err<never, IdentityMismatchError>({
        kind: 'IdentityMismatch',
        field: 'appId',
        connection: endpoint.name,
        expected: mi.clientId,
        message: `Connection "${endpoint.name}" uses client id ${clientId}, not managed identity ${identity.name} (${mi.clientId}). Run wif apply (or sync) to point it at the identity.`,
      });
    }
    const flat = credentials.map((c) => ({ id: c.id, name: c.name, ...c.properties }));
    const exact = yield* exactCredential(endpoint, mi.principalId, { issuer, subject }, flat, {
      on: ` on managed identity ${identity.name}`,
      fix: 'Run wif sync to fix it.',
    });
    const format = issuerKind(issuer);
    const warnings = connectionWarnings(endpoint, format, ': convert it to the Entra issuer (wif sync then rebinds the credential).');
    return ok({
      connectionId: endpoint.id,
      connectionName: endpoint.name,
      appId: mi.clientId,
      appObjectId: mi.principalId,
      issuer,
      subject,
      issuerFormat: format,
      credential: { id: exact.id, name: exact.name },
      // A managed identity lives in one tenant.
      signInAudience: 'AzureADMyOrg',
      warnings,
    });
  });
}
