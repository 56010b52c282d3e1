import {
  CLOUDS,
  createTokenCaches,
  createTransport,
  type DevOpsCredential,
  httpError,
  isPersonalAccessTokenCredential,
  type RequestSpec,
  settled,
  type Transport,
  type TransportAuth,
  type TransportError,
  type TransportOptions,
} from '@wif/http';
import { err, ok } from 'neverthrow';

/** Options of {@link createDevOpsClient}. */
export interface DevOpsClientOptions extends TransportOptions {
  /** The organization name, e.g. `contoso` (as in `https://dev.azure.com/contoso`). */
  readonly organization: string;
  /**
   * An Entra `TokenCredential` (a token for the Azure DevOps resource is requested), or a
   * `PersonalAccessTokenCredential` (sent as HTTP Basic).
   */
  readonly credential: DevOpsCredential;
  /**
   * Base URL without the organization. Default `https://dev.azure.com`. Plain HTTP is accepted only
   * for this machine, e.g. the emulator at `http://127.0.0.1:PORT/devops`.
   */
  readonly endpoint?: string;
  /** Token scope for a `TokenCredential`. Default `499b84ac-1321-427f-aa17-267ca6975798/.default`. */
  readonly scope?: string;
  /**
   * Base URL of the identities service (IMS), without the organization. Default
   * `https://vssps.dev.azure.com`, or `endpoint` when that is another host than `https://dev.azure.com`
   * (the emulator serves both).
   */
  readonly identityEndpoint?: string;
}

/** A client for one Azure DevOps organization; pass it to the functions of this package. */
export interface DevOpsClient {
  /** Requests go to `{endpoint}/{organization}`. */
  readonly transport: Transport;
  readonly organization: string;
  /**
   * Requests to `{identityEndpoint}/{organization}` (identity lookup). Optional so a hand-built
   * client stays valid; calls that need it fall back to `transport`.
   */
  readonly identities?: Transport;
}

/** Options every Azure DevOps call takes. */
export interface DevOpsOperationOptions {
  /** Cancels the call (the token request and every attempt). */
  readonly abortSignal?: AbortSignal;
}

/**
 * Creates an Azure DevOps client: a transport to `{endpoint}/{organization}` with user agent,
 * request id, bearer or PAT auth, bounded retry (429/5xx, honouring `Retry-After`, never a
 * duplicate-name 500) and redacted logging. Every request carries `X-TFS-FedAuthRedirect: Suppress`,
 * so a rejected credential is a 401 rather than a `203` sign-in page; a `203` is an `Unauthorized`
 * error anyway. Sends nothing by itself. The organization name is validated by `@wif/core`.
 *
 * @throws TypeError for a programmer error only: an empty organization, an endpoint that is not an
 *   absolute http(s) URL, or plain HTTP to anything but 127.0.0.1/localhost.
 * @example
 * const devops = createDevOpsClient({ organization: 'contoso', credential: new AzureCliCredential() });
 */
export function createDevOpsClient(options: DevOpsClientOptions): DevOpsClient {
  const { organization, credential, endpoint, scope, identityEndpoint, ...transportOptions } = options;
  if (typeof organization !== 'string' || organization === '') {
    throw new TypeError('createDevOpsClient: organization must be a non-empty string.');
  }
  const auth: TransportAuth = isPersonalAccessTokenCredential(credential)
    ? { kind: 'pat', credential }
    : { kind: 'bearer', credential, scope: scope ?? CLOUDS.AzureCloud.devopsScope };
  const base = (endpoint ?? CLOUDS.AzureCloud.devops).replace(/\/+$/, '');
  // One token cache for both endpoints (same credential, same scope): the credential is asked once.
  const tokens = transportOptions.tokens ?? createTokenCaches();
  const transport = createTransport({
    ...transportOptions,
    tokens,
    service: 'devops',
    baseUrl: `${base}/${encodeURIComponent(organization)}`,
    auth,
  });
  // Azure DevOps Services serves identities on vssps.dev.azure.com; another endpoint (the emulator) serves both.
  const identitiesBase = (identityEndpoint ?? (base === CLOUDS.AzureCloud.devops ? 'https://vssps.dev.azure.com' : base)).replace(
    /\/+$/,
    '',
  );
  const identities = createTransport({
    ...transportOptions,
    tokens,
    service: 'devops',
    baseUrl: `${identitiesBase}/${encodeURIComponent(organization)}`,
    auth,
  });
  return Object.freeze({ transport: suppressSignInRedirect(transport), organization, identities: suppressSignInRedirect(identities) });
}

// Without this header a bad or expired PAT is answered `203 Non-Authoritative` with an HTML sign-in
// page (docs/reference/devops.md §11, observed client practice).
const FED_AUTH_REDIRECT = { 'X-TFS-FedAuthRedirect': 'Suppress' };

function signInPage(operation: string): TransportError {
  return httpError({
    service: 'devops',
    operation,
    status: 203,
    kind: 'Unauthorized',
    serviceMessage: 'Azure DevOps answered with a sign-in page instead of data: the credential was not accepted.',
  });
}

/** Adds the header to every request and turns a 2xx-but-203 answer into `Unauthorized`. */
function suppressSignInRedirect(inner: Transport): Transport {
  const withHeader = (spec: RequestSpec): RequestSpec => ({ ...spec, headers: { ...spec.headers, ...FED_AUTH_REDIRECT } });
  return {
    service: inner.service,
    baseUrl: inner.baseUrl,
    send: (spec) => inner.send(withHeader(spec)).andThen((res) => (res.status === 203 ? err(signInPage(spec.operation)) : ok(res))),
    // One `then` for both outcomes (not `andThen` + `orElse`: docs/decisions/029-cheap-result-chains.md).
    sendJson: (spec, schema) =>
      settled(inner.sendJson(withHeader(spec), schema), (r) =>
        r.isOk()
          ? r.value.status === 203
            ? err(signInPage(spec.operation))
            : r
          : // The HTML page usually fails JSON parsing first: still a sign-in page, not a wif bug.
            r.error.kind === 'InvalidResponse' && r.error.status === 203
            ? err(signInPage(spec.operation))
            : r,
      ),
  };
}
