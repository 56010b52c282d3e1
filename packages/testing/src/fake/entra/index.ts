/**
 * The Entra token endpoint in the fake (`/{tenant}/oauth2/v2.0/token`): client credentials with a
 * federated assertion (`clientAssertion.ts`, docs/reference/federation.md §4) or a client secret
 * (`clientSecret.ts`); on success a test access token for the app's service principal.
 */
import type { RouteContext } from '../../_router';
import { audienceForScope } from '../../credential';
import { SERVICE_AUDIENCES, type FakeRoute, type FakeRuntime } from '../options';
import { entraError } from './_common';
import { clientAssertionGrant } from './clientAssertion';
import { clientSecretGrant } from './clientSecret';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export function entraRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;

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
      if (secret) return clientSecretGrant(rt, clientId, secret, scope);
      return entraError(
        401,
        'invalid_client',
        "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    if (field('client_assertion_type') !== ASSERTION_TYPE)
      return entraError(400, 'invalid_request', "AADSTS90014: The required field 'client_assertion_type' is missing from the credential.");
    return clientAssertionGrant(rt, clientId, assertion, scope);
  };

  return [{ method: 'POST', pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/, operation: 'token', anonymous: true, handle: token }];
}
