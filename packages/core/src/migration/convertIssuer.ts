/** In place, alternative 2: move a workload-identity-federation connection from the Azure DevOps issuer to the Entra issuer. */
import { authParameter, getServiceEndpoint, updateServiceEndpoint, workloadIdentity } from '@wif/devops';
import { deleteFederatedIdentityCredential, getApplication, listFederatedIdentityCredentials } from '@wif/graph';
import { AZURE_DEVOPS_APP_ID } from '@wif/http';
import { err, errAsync, ok, type ResultAsync, safeTry } from 'neverthrow';
import { issuerKind } from '../constants';
import { bindFederatedCredential, credentialNameFor } from '../steps/bindFederatedCredential';
import type { TrustChainReport } from '../steps/verifySubject';
import type { Converged } from '../types';
import { validate } from '../validation';
import type { WifClients } from '../workflows/clients';
import { type ConvertConnectionInput, convertInputSchema, type ConvertOptions, verifyConverted } from './convertConnectionScheme';
import type { IssuerNotSwitchedError, MigrationError, NotMigratableError } from './errors';
import { goneIsFine } from './_run';
import { same } from '../_internal/compare';
import { readConnectionData } from '../_internal/connectionData';

/**
 * A GUID's bytes in .NET `Guid.ToByteArray()` order (first three groups little-endian), base64url without padding.
 * `@wif/testing`'s fake has its own `dotnetGuidBase64Url` on purpose: the fake is the oracle this prediction is
 * tested against (convert.test.ts), so it is written independently (a byte permutation) and must not import this one.
 */
function dotnetGuidBase64Url(guid: string): string {
  const b = Buffer.from(guid.replace(/-/g, ''), 'hex');
  const le = Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
  return le.toString('base64url');
}

/**
 * The issuer and subject Azure DevOps is expected to give a public-cloud connection on the Entra
 * issuer. The subject's derivation is observed, **not documented** (docs/reference/federation.md §1): it is
 * used only to add the credential before the switch, and the values read back afterwards win.
 * @internal
 */
export function predictEntraFederation(
  tenantId: string,
  organizationId: string,
  connectionId: string,
): { issuer: string; subject: string } {
  return {
    issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
    subject: `/eid1/c/pub/t/${dotnetGuidBase64Url(tenantId)}/a/${dotnetGuidBase64Url(AZURE_DEVOPS_APP_ID)}/sc/${organizationId}/${connectionId}`,
  };
}

/** The name of the Entra-issuer credential, distinct from the legacy one so both can coexist during the switch. */
export function entraCredentialName(connectionId: string): string {
  return `${credentialNameFor(connectionId)}-entra`;
}

/**
 * Moves a workload-identity-federation connection from the Azure DevOps issuer
 * (`https://vstoken.dev.azure.com/…`, retired on 2027-07-01 for eligible connections) to the Entra
 * issuer without a window in which pipelines fail: (1) add a credential for the Entra issuer and the
 * expected subject beside the legacy one, (2) switch the connection by saving it unchanged (a PUT;
 * documented for the portal's edit-and-save, the REST behaviour is not documented, and neither is
 * the API the portal's "Update" button calls), (3) re-read its issuer and subject, (4) bind the
 * credential to exactly those values if they differ from the expected ones, (5) verify the trust
 * chain, (6) only then delete the legacy credential (exactly the old issuer and subject).
 *
 * Calls `GET …/serviceendpoint/endpoints/{id}`, Graph `GET /applications(appId=…)`,
 * `GET /_apis/connectionData` (the organization id; public cloud only), `bindFederatedCredential`'s
 * requests, `PUT /{org}/_apis/serviceendpoint/endpoints/{id}` (the documented update), the verification's reads,
 * `GET` and `DELETE /applications/{id}/federatedIdentityCredentials/{id}`.
 *
 * Permission: Administrator role on the connection; Graph `Application.ReadWrite.OwnedBy` (owner of
 * the app) or `Application.ReadWrite.All`. Safe to re-run: a connection already on the Entra issuer
 * is verified and `unchanged`. Errors: `NotMigratable` (`OtherScheme`; `NoIdentity` for a managed
 * identity or an app outside this tenant: convert those in the portal), `IssuerNotSwitched` (the
 * service kept the legacy issuer; both credentials stay, nothing breaks), `CredentialLimit`,
 * `Validation`, the verification's, and the service errors.
 *
 * @example
 * const r = await convertIssuer(clients, { project: 'platform', connectionId });
 */
export function convertIssuer(
  clients: Pick<WifClients, 'graph' | 'devops'>,
  input: ConvertConnectionInput,
  options: ConvertOptions = {},
): ResultAsync<Converged<TrustChainReport>, MigrationError> {
  const valid = validate(convertInputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  const { graph, devops } = clients;
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return safeTry(async function* () {
    const endpoint = yield* getServiceEndpoint(devops, v.project, v.connectionId, opts);
    const before = workloadIdentity(endpoint);
    const refuse = (reason: NotMigratableError['reason'], why: string): NotMigratableError => ({
      kind: 'NotMigratable',
      connectionId: endpoint.id,
      reason,
      message: `The issuer of "${endpoint.name}" cannot be converted here: ${why}`,
    });
    if (!same(endpoint.authorization?.scheme, 'WorkloadIdentityFederation') || !before.issuer || !before.subject) {
      return err(refuse('OtherScheme', 'it does not use workload identity federation.'));
    }
    if (issuerKind(before.issuer) !== 'legacy')
      return ok({ value: yield* verifyConverted(clients, v, options), outcome: 'unchanged' as const });
    const appId = authParameter(endpoint, 'serviceprincipalid');
    if (!appId || same(endpoint.data?.['identityType'], 'ManagedIdentity')) {
      return err(
        refuse(
          'NoIdentity',
          'its identity is a managed identity (or unnamed), whose credentials are not on an app registration: use the portal\'s "Update".',
        ),
      );
    }
    const app = await getApplication(graph, { appId }, opts);
    if (app.isErr()) {
      return app.error.kind === 'NotFound'
        ? err(refuse('NoIdentity', `app ${appId} is not in this tenant: use the portal's "Update" with its owner's rights.`))
        : err(app.error);
    }
    const appObjectId = app.value.id;
    const name = entraCredentialName(endpoint.id);
    const tenantId = authParameter(endpoint, 'tenantid');
    // 1. The new credential first, so the switch never leaves the connection without a matching one.
    const prepared = tenantId !== undefined && tenantId !== '' && same(endpoint.data?.['environment'] ?? 'AzureCloud', 'AzureCloud');
    if (prepared) {
      const { instanceId } = yield* readConnectionData(devops, opts);
      const expected = predictEntraFederation(tenantId, instanceId, endpoint.id);
      yield* bindFederatedCredential({ graph }, { appObjectId, ...expected, name }, opts);
    }
    // 2. Switch: saving the connection moves it to the Entra issuer (https://learn.microsoft.com/azure/devops/pipelines/release/troubleshoot-workload-identity).
    yield* updateServiceEndpoint(devops, endpoint.id, endpoint, {}, opts);
    // 3. Re-read what it presents now; that is the truth.
    const after = workloadIdentity(yield* getServiceEndpoint(devops, v.project, endpoint.id, opts));
    if (!after.issuer || !after.subject || issuerKind(after.issuer) === 'legacy') {
      return err<never, IssuerNotSwitchedError>({
        kind: 'IssuerNotSwitched',
        connectionId: endpoint.id,
        issuer: after.issuer ?? '',
        message: `Saving "${endpoint.name}" left it on the Azure DevOps issuer; nothing broke: the legacy credential is still there${prepared ? `, and the one for the Entra issuer ("${name}") is already in place for the switch` : ''}. Convert it with the portal's "Update", then run the conversion again (convertIssuer; wif migrate convert --issuer) to remove the legacy credential.`,
      });
    }
    // 4. Bind exactly what it reports (a no-op when the expectation was right).
    yield* bindFederatedCredential({ graph }, { appObjectId, issuer: after.issuer, subject: after.subject, name }, opts);
    // 5. Prove the chain, 6. then remove the legacy credential.
    const report = yield* verifyConverted(clients, v, options);
    const credentials = yield* listFederatedIdentityCredentials(graph, appObjectId, opts);
    for (const c of credentials) {
      if (c.issuer === before.issuer && c.subject === before.subject)
        yield* goneIsFine(deleteFederatedIdentityCredential(graph, appObjectId, c.id, opts));
    }
    return ok({ value: report, outcome: 'updated' as const });
  });
}
