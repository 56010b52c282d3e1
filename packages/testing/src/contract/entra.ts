/**
 * Contract handlers for the Microsoft Entra v2 token endpoint, client credentials with a client
 * assertion (docs/reference/federation.md §4–5). Success answers with the fields of
 * `fixtures/entra-token-success-example.json`, the access token being a test token for the
 * requested scope (so it works with the other contract handlers); errors are shaped like
 * `fixtures/entra-token-error-example.json`. The endpoint takes no bearer token.
 *
 * AADSTS codes: 900144 (missing parameter), 70003 (grant type), 7000218 (no assertion or secret),
 * 50027 (malformed JWT), 700024 (assertion expired), 700016 (unknown client id), 90002 (tenant)
 * are Entra's own codes (learn.microsoft.com/entra/identity-platform/reference-error-codes);
 * 70011 for a scope that is not `{resource}/.default` comes from the error example;
 * 90011 for a wrong `client_assertion_type` is observed (AzureAD/azure-activedirectory-library-for-ruby#53).
 */
import { HttpResponse, type HttpHandler } from 'msw';
import { makeTestToken } from '../credential';
import { loadFixture } from '../fixtures';
import { type RequestLogEntry, serviceError, serviceRouter } from '../_router';

export interface EntraContractOptions {
  /** Base URL the handlers serve (default: the public-cloud endpoint). */
  readonly baseUrl?: string;
  /** Receives every request that reached a route. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

const DEFAULT_BASE_URL = 'https://login.microsoftonline.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const REQUIRED = ['grant_type', 'client_id', 'scope', 'client_assertion_type', 'client_assertion'] as const;

interface TokenSuccess {
  readonly token_type: string;
  readonly expires_in: number;
}

/** The claims of an unsigned or signed JWT, or undefined when it is not JWT-shaped. */
function jwtClaims(assertion: string): Record<string, unknown> | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function entraContractHandlers(options: EntraContractOptions = {}): HttpHandler[] {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const success = loadFixture<TokenSuccess>('entra-token-success-example.json');

  return [
    serviceRouter({
      service: 'entra',
      baseUrl,
      audience: baseUrl,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
      routes: [
        {
          method: 'POST',
          pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/,
          operation: 'requestToken',
          anonymous: true,
          handle: ({ params, body }) => {
            const tenant = params[0]!;
            if (!GUID.test(tenant) && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenant)) {
              return serviceError('entra', 400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
            }
            const form = (body ?? {}) as Record<string, string | undefined>;
            const missing = REQUIRED.filter((k) => k !== 'client_assertion' && !form[k]);
            if (missing.length > 0) {
              return serviceError(
                'entra',
                400,
                'invalid_request',
                `AADSTS900144: The request body must contain the following parameter: '${missing[0]}'.`,
              );
            }
            if (form.grant_type !== 'client_credentials') {
              return serviceError(
                'entra',
                400,
                'unsupported_grant_type',
                `AADSTS70003: The app requested an unsupported grant type '${form.grant_type}'.`,
              );
            }
            if (!form.client_assertion) {
              return serviceError(
                'entra',
                401,
                'invalid_client',
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
              );
            }
            if (form.client_assertion_type !== JWT_BEARER) {
              return serviceError('entra', 400, 'invalid_request', 'AADSTS90011: Unexpected client assertion type.');
            }
            const clientId = form.client_id!;
            if (!GUID.test(clientId)) {
              return serviceError(
                'entra',
                400,
                'unauthorized_client',
                `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
              );
            }
            const scope = form.scope!;
            if (!/^\S+\/\.default$/.test(scope)) {
              return serviceError(
                'entra',
                400,
                'invalid_scope',
                `AADSTS70011: The provided value for the input parameter 'scope' isn't valid. The scope ${scope} isn't valid.`,
              );
            }
            const claims = jwtClaims(form.client_assertion);
            if (!claims) {
              return serviceError('entra', 400, 'invalid_request', 'AADSTS50027: JWT token is invalid or malformed.');
            }
            if (typeof claims['exp'] === 'number' && claims['exp'] * 1000 <= Date.now()) {
              return serviceError(
                'entra',
                400,
                'invalid_client',
                `AADSTS700024: Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}, expiry time of assertion ${new Date(claims['exp'] * 1000).toISOString()}.`,
              );
            }
            return HttpResponse.json({
              token_type: success.token_type,
              expires_in: success.expires_in,
              access_token: makeTestToken(scope, {
                ...(GUID.test(tenant) ? { tid: tenant } : {}),
                appid: clientId,
                azp: clientId,
                idtyp: 'app',
              }),
            });
          },
        },
      ],
    }),
  ];
}
