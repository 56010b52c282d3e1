/**
 * Getting the OIDC token of a connection: inside a pipeline job (docs/reference/federation.md §3, the request
 * `AzurePipelinesCredential` makes) or through the Azure DevOps client. The token is only ever
 * held in a closure and registered for redaction: it goes to the token endpoint and nowhere else.
 */
import type { TokenCredential } from '@azure/core-auth';
import { createOidcToken, type DevOpsClient, taskHubOidcTokenSchema } from '@wif/devops';
import { CLOUDS, createTransport, type Logger, registerSecret, type TransportError } from '@wif/http';
import type { ResultAsync } from 'neverthrow';
import type { OidcSource } from './types';

const API_VERSION = '7.1-preview.1';

/** Requests a fresh OIDC token for a connection; the value is registered for redaction. */
export type OidcRequester = (connectionId: string, options: { abortSignal?: AbortSignal }) => ResultAsync<string, TransportError>;

/** A credential that hands out one token it was given: the job's `System.AccessToken`. */
function staticTokenCredential(token: string): TokenCredential {
  registerSecret(token);
  return {
    // The job token lives as long as the job; the policy only needs an expiry in the future.
    getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 10 * 60_000 }),
  };
}

/**
 * Builds the requester for a source (validated by the caller). For `pipeline`, a small transport
 * on the origin of `requestUri` with a bearer policy over the job token.
 */
export function oidcRequester(devops: DevOpsClient, source: OidcSource, logger: Logger | undefined): OidcRequester {
  if (source.kind === 'devops') {
    return (serviceConnectionId, options) =>
      createOidcToken(
        devops,
        {
          projectId: source.projectId,
          hubName: source.hubName ?? 'build',
          planId: source.planId,
          jobId: source.jobId,
          serviceConnectionId,
        },
        options,
      ).map((handle) => handle.value());
  }
  const transport = createTransport({
    service: 'devops',
    baseUrl: new URL(source.requestUri).origin,
    auth: { kind: 'bearer', credential: staticTokenCredential(source.accessToken), scope: CLOUDS.AzureCloud.devopsScope },
    ...(logger ? { logger } : {}),
  });
  return (serviceConnectionId, options) =>
    transport
      .sendJson(
        {
          method: 'POST',
          path: source.requestUri,
          query: { 'api-version': API_VERSION, serviceConnectionId },
          body: {},
          operation: 'POST oidctoken',
          abortSignal: options.abortSignal,
        },
        taskHubOidcTokenSchema,
      )
      .map(({ body }) => {
        registerSecret(body.oidcToken);
        return body.oidcToken;
      });
}
