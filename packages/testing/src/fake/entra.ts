/**
 * The Entra token endpoint in the fake: client credentials with a federated assertion
 * (docs/reference/federation.md §4). It verifies the assertion the fake's Azure DevOps signed and matches it
 * against the app's federated identity credentials, failing with the AADSTS codes of
 * docs/reference/federation.md §5; on success it issues a test access token for the app's service principal.
 */
import { serviceError, type RouteContext } from '../_router';
import { audienceForScope, makeTestToken } from '../credential';
import { json } from './_respond';
import { checkClientSecret } from './passwords';
import { SERVICE_AUDIENCES, type FakeRoute, type FakeRuntime } from './options';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ACCESS_TOKEN_SECONDS = 3599;

const entraError = (status: number, error: string, message: string): Response => serviceError('entra', status, error, message);
const stamp = (seconds: number): string =>
  new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

export function entraRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;

  const unknownApp = (clientId: string): Response =>
    entraError(
      400,
      'unauthorized_client',
      `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${state.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );

  const token = (ctx: RouteContext): Response => {
    const tenant = (ctx.params[0] ?? '').toLowerCase();
    const form = (ctx.body ?? {}) as Record<string, unknown>;
    const field = (name: string): string | undefined => (typeof form[name] === 'string' ? form[name] : undefined);
    if (tenant !== state.tenantId) {
      return entraError(
        400,
        'invalid_request',
        `AADSTS90002: Tenant '${ctx.params[0] ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const grant = field('grant_type');
    if (grant !== 'client_credentials')
      return entraError(400, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${grant ?? ''}'.`);
    const clientId = field('client_id');
    if (!clientId)
      return entraError(400, 'invalid_request', "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
    const scope = field('scope') ?? '';
    if (!scope.endsWith('/.default'))
      return entraError(
        400,
        'invalid_scope',
        `AADSTS70011: The provided value for the input parameter 'scope' isn't valid. The scope ${scope} isn't valid.`,
      );
    if (!Object.values(SERVICE_AUDIENCES).includes(audienceForScope(scope))) {
      return entraError(
        400,
        'invalid_resource',
        `AADSTS500011: The resource principal named ${audienceForScope(scope)} was not found in the tenant named ${state.tenantId}.`,
      );
    }
    const assertion = field('client_assertion');
    const secret = field('client_secret');
    if (!assertion) {
      if (secret) return secretGrant(clientId, secret, scope);
      return entraError(
        401,
        'invalid_client',
        "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    if (field('client_assertion_type') !== ASSERTION_TYPE)
      return entraError(400, 'invalid_request', "AADSTS90014: The required field 'client_assertion_type' is missing from the credential.");

    // A user-assigned managed identity is a service principal without an application object: its
    // federated credentials live on the identity (ARM), and an Entra issuer is accepted for it.
    const identity = state.governance.managedIdentityByClientId(clientId);
    const app = identity
      ? {
          id: `managed-identity:${identity.clientId}`,
          appId: identity.clientId,
          displayName: identity.name,
          signInAudience: 'AzureADMyOrg',
        }
      : state.applicationByAppId(clientId);
    if (!app) return unknownApp(clientId);
    const verified = rt.signer.verify(assertion);
    if (!verified.ok) {
      return verified.reason === 'malformed'
        ? entraError(400, 'invalid_request', 'AADSTS50027: JWT token is invalid or malformed.')
        : entraError(401, 'invalid_client', 'AADSTS700027: Client assertion failed signature validation.');
    }
    const claims = verified.claims;
    const now = Math.floor(rt.now() / 1000);
    const nbf = typeof claims['nbf'] === 'number' ? claims['nbf'] : 0;
    const exp = typeof claims['exp'] === 'number' ? claims['exp'] : 0;
    if (now < nbf || now >= exp) {
      return entraError(
        400,
        'invalid_client',
        `AADSTS700024: Client assertion is not within its valid time range. Current time: ${stamp(now)}, assertion valid from ${stamp(nbf)}, expiry time of assertion ${stamp(exp)}.`,
      );
    }
    const iss = String(claims['iss'] ?? '');
    const sub = String(claims['sub'] ?? '');
    const aud = String(claims['aud'] ?? '');
    const fics = identity ? [...identity.credentials.values()] : state.federatedCredentials(app.id);
    if (fics.length === 0)
      return entraError(
        400,
        'invalid_client',
        `AADSTS70025: The client '${app.appId}'(${app.displayName}) has no configured federated identity credentials.`,
      );
    if (iss.startsWith('https://login.microsoftonline.com/') && app.signInAudience !== 'AzureADMyOrg') {
      return entraError(
        400,
        'invalid_client',
        'AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account.',
      );
    }
    const check = 'Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.';
    const byIssuer = fics.filter((f) => f.issuer === iss);
    if (byIssuer.length === 0)
      return entraError(
        400,
        'invalid_client',
        `AADSTS700211: No matching federated identity record found for presented assertion issuer '${iss}'. ${check}`,
      );
    const bySubject = byIssuer.filter((f) => f.subject === sub);
    if (bySubject.length === 0)
      return entraError(
        400,
        'invalid_client',
        `AADSTS700213: No matching federated identity record found for presented assertion subject '${sub}'. ${check}`,
      );
    const match = bySubject.find((f) => f.audiences.includes(aud));
    if (!match)
      return entraError(
        400,
        'invalid_client',
        `AADSTS700212: No matching federated identity record found for presented assertion audience '${aud}'. ${check}`,
      );
    // docs/reference/graph.md §5: a FIC just written is not yet usable for a while.
    if (rt.now() < match.writtenAt + rt.options.ficPropagationInMs) {
      return entraError(
        400,
        'invalid_client',
        `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${aud}'.`,
      );
    }
    return issue(app.appId, scope);
  };

  /** Client credentials with a client secret (Graph `addPassword`). */
  const secretGrant = (clientId: string, secret: string, scope: string): Response => {
    const app = state.applicationByAppId(clientId);
    if (!app) return unknownApp(clientId);
    switch (checkClientSecret(state, app, secret, rt.now())) {
      case 'ok':
        return issue(app.appId, scope);
      case 'expired':
        return entraError(401, 'invalid_client', `AADSTS7000222: The provided client secret keys for app '${app.appId}' are expired.`);
      case 'none':
      case 'wrong':
        return entraError(
          401,
          'invalid_client',
          `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`,
        );
    }
  };

  /** An access token for the app's service principal. */
  const issue = (appId: string, scope: string): Response => {
    const now = Math.floor(rt.now() / 1000);
    const sp = state.servicePrincipalByAppId(appId);
    if (!sp)
      return entraError(
        400,
        'invalid_client',
        `AADSTS7000229: The client application ${appId} is missing service principal in the tenant ${state.tenantId}.`,
      );
    return json({
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      ext_expires_in: ACCESS_TOKEN_SECONDS,
      access_token: makeTestToken(scope, {
        oid: sp.id,
        appid: appId,
        tid: state.tenantId,
        idtyp: 'app',
        iat: now,
        exp: now + ACCESS_TOKEN_SECONDS,
      }),
    });
  };

  return [{ method: 'POST', pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/, operation: 'token', anonymous: true, handle: token }];
}
