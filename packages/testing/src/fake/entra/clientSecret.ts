/** The client-secret grant of the fake's Entra token endpoint (secrets added with Graph `addPassword`). */
import type { FakeRuntime } from '../options';
import { checkClientSecret } from '../passwords';
import { entraError, issue, unknownApp } from './_common';

/** Client credentials with a client secret. */
export function clientSecretGrant(rt: FakeRuntime, clientId: string, secret: string, scope: string): Response {
  const { state } = rt;
  const app = state.applicationByAppId(clientId);
  if (!app) return unknownApp(rt, clientId);
  switch (checkClientSecret(state, app, secret, rt.now())) {
    case 'ok':
      return issue(rt, app.appId, scope);
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
}
