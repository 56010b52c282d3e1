/** What the grants of the fake's Entra token endpoint share: Entra's error body and the access token it issues. */
import { serviceError } from '../../_router';
import { makeTestToken } from '../../credential';
import { json } from '../_respond';
import type { FakeRuntime } from '../options';

const ACCESS_TOKEN_SECONDS = 3599;

export const entraError = (status: number, error: string, message: string): Response => serviceError('entra', status, error, message);

export function unknownApp(rt: FakeRuntime, clientId: string): Response {
  return entraError(
    400,
    'unauthorized_client',
    `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${rt.state.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

/** An access token for the app's service principal. */
export function issue(rt: FakeRuntime, appId: string, scope: string): Response {
  const { state } = rt;
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
}
