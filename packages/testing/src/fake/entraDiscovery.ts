/**
 * The OpenID Connect discovery document of the fake's Entra tenant, which MSAL (and so
 * `@azure/identity`) reads before its first token request: `GET {authority}/{tenant}/v2.0/.well-known/openid-configuration`.
 * MSAL takes the token endpoint from it, so the document points back into the fake.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
 */
import { serviceError } from '../_router';
import { json } from './_respond';
import type { FakeRoute, FakeRuntime } from './options';

export function entraDiscoveryRoutes(rt: FakeRuntime): FakeRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/,
      operation: 'openidConfiguration',
      anonymous: true,
      handle: (ctx) => {
        const tenant = (ctx.params[0] ?? '').toLowerCase();
        const tid = rt.state.tenantId;
        if (tenant !== tid) {
          return serviceError(
            'entra',
            400,
            'invalid_tenant',
            `AADSTS90002: Tenant '${ctx.params[0] ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          );
        }
        const base = `${rt.options.baseUrls.entra}/${tid}`;
        return json({
          token_endpoint: `${base}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${base}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          // The issuer of the tokens a real tenant signs (the fake's access tokens carry the same tid).
          issuer: `https://login.microsoftonline.com/${tid}/v2.0`,
          request_uri_parameter_supported: false,
          userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
          http_logout_supported: true,
          frontchannel_logout_supported: true,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          claims_supported: [
            'sub',
            'iss',
            'aud',
            'exp',
            'iat',
            'auth_time',
            'acr',
            'nonce',
            'preferred_username',
            'name',
            'tid',
            'ver',
            'at_hash',
            'c_hash',
            'email',
          ],
          tenant_region_scope: 'EU',
          cloud_instance_name: 'microsoftonline.com',
          cloud_graph_host_name: 'graph.windows.net',
          msgraph_host: 'graph.microsoft.com',
          rbac_url: 'https://pas.windows.net',
        });
      },
    },
  ];
}
