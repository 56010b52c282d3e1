/**
 * The federated client-assertion grant of the fake's Entra token endpoint
 * (docs/reference/federation.md §4): it verifies the assertion the fake's Azure DevOps signed and
 * matches it against the app's (or managed identity's) federated identity credentials, failing with
 * the AADSTS codes of docs/reference/federation.md §5.
 */
import type { FakeRuntime } from '../options';
import { entraError, issue, unknownApp } from './_common';

const stamp = (seconds: number): string =>
  new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

/** Client credentials with a federated assertion (`client_assertion`, already known to be of the JWT-bearer type). */
export function clientAssertionGrant(rt: FakeRuntime, clientId: string, assertion: string, scope: string): Response {
  const { state } = rt;
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
  if (!app) return unknownApp(rt, clientId);
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
  return issue(rt, app.appId, scope);
}
