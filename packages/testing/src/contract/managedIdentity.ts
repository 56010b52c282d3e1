/**
 * Contract routes for `Microsoft.ManagedIdentity/userAssignedIdentities` and their
 * `federatedIdentityCredentials` (api-version 2024-11-30; 2023-01-31 has the same shapes). Stateless:
 * happy paths answer from the official examples (`arm-msi-2024-11-30-*.json`) with the request's
 * names echoed; each route refuses what the service documents refusing
 * (learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations#errors).
 */
import { HttpResponse } from 'msw';
import * as z from 'zod';
import { loadFixture } from '../fixtures';
import { badRequest, serviceError, type Route, type RouteContext } from '../_router';

export const MANAGED_IDENTITY_API_VERSIONS = ['2023-01-31', '2024-11-30'] as const;

type Json = Record<string, unknown>;
const BASE = '^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities';
/** resource-name-rules#microsoftmanagedidentity: 3–128, alphanumerics, hyphens, underscores, starts with a letter or number. */
export const IDENTITY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/;
/** The FIC name path-parameter pattern of ManagedIdentity.json. */
export const FIC_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const IdentityBodySchema = z.object({
  location: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.object({ isolationScope: z.enum(['None', 'Regional']).optional() }).optional(),
});
export const FicBodySchema = z.object({
  properties: z.object({ issuer: z.string(), subject: z.string(), audiences: z.array(z.string()) }),
});

function example(name: string, status: '200' | '201'): Json {
  return structuredClone(loadFixture<{ responses: Record<string, { body: Json }> }>(name).responses[status]!.body);
}

export const identityId = (sub: string, rg: string, name: string): string =>
  `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;

/** The refusals of a PUT of an identity; undefined when the request is acceptable. */
export function identityProblem(sub: string, name: string, body: unknown): Response | undefined {
  if (!GUID.test(sub))
    return serviceError('arm', 400, 'InvalidSubscriptionId', `The provided subscription identifier '${sub}' is malformed or invalid.`);
  if (!IDENTITY_NAME.test(name))
    return serviceError(
      'arm',
      400,
      'InvalidResourceName',
      `Resource name '${name}' is invalid. It must be 3-128 characters of letters, digits, '-' or '_', starting with a letter or digit.`,
    );
  const loc = z.object({ location: z.unknown() }).safeParse(body);
  if (!loc.success || loc.data.location === undefined || loc.data.location === '')
    return serviceError('arm', 400, 'LocationRequired', 'The location property is required for this definition.');
  const parsed = IdentityBodySchema.safeParse(body);
  if (!parsed.success)
    return badRequest(
      'arm',
      `The request content was invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return undefined;
}

/** The refusals of a PUT of a federated credential (documented messages); undefined when acceptable. */
export function ficProblem(name: string, body: unknown): Response | undefined {
  if (!FIC_NAME.test(name)) return serviceError('arm', 400, 'BadRequest', `Federated Identity Credential name '${name}' is invalid.`);
  const parsed = FicBodySchema.safeParse(body);
  if (!parsed.success || parsed.data.properties.issuer === '' || parsed.data.properties.subject === '')
    return serviceError('arm', 400, 'BadRequest', 'Federated Identity Credential from HTTP body has empty properties');
  const { issuer, subject, audiences } = parsed.data.properties;
  if (audiences.length !== 1)
    return serviceError('arm', 400, 'BadRequest', 'Federated identity credentials must have exactly one audience.');
  if (!/^https:\/\/\S+$/.test(issuer)) return serviceError('arm', 400, 'BadRequest', `The issuer '${issuer}' must be an https URL.`);
  if ([issuer, subject, audiences[0]!].some((v) => v.length > 600))
    return serviceError('arm', 400, 'BadRequest', 'Issuer, subject and audience must each be at most 600 characters.');
  if ([issuer, subject].some((v) => v.includes('*')))
    return serviceError('arm', 400, 'BadRequest', 'Wildcards are not supported in issuer or subject.');
  return undefined;
}

export function managedIdentityContractRoutes(): Route[] {
  const identityJson = (
    sub: string,
    rg: string,
    name: string,
    body: z.output<typeof IdentityBodySchema> | undefined,
    status: '200' | '201',
  ): Json => {
    const template = example('arm-msi-2024-11-30-IdentityCreate.json', status);
    return {
      ...template,
      id: identityId(sub, rg, name),
      name,
      ...(body ? { location: body.location, tags: body.tags ?? {} } : {}),
    };
  };
  const ficJson = (sub: string, rg: string, identity: string, name: string, properties?: Json): Json => {
    const template = example('arm-msi-2024-11-30-FederatedIdentityCredentialGet.json', '200');
    return {
      ...template,
      id: `${identityId(sub, rg, identity)}/federatedIdentityCredentials/${name}`,
      name,
      ...(properties ? { properties } : {}),
    };
  };
  const subCheck = (sub: string): Response | undefined =>
    GUID.test(sub)
      ? undefined
      : serviceError('arm', 400, 'InvalidSubscriptionId', `The provided subscription identifier '${sub}' is malformed or invalid.`);
  const v = MANAGED_IDENTITY_API_VERSIONS;
  return [
    {
      method: 'PUT',
      pattern: new RegExp(`${BASE}/([^/]+)$`, 'i'),
      operation: 'UserAssignedIdentities_CreateOrUpdate',
      apiVersion: v,
      handle: ({ params: [sub = '', rg = '', name = ''], body }: RouteContext) =>
        identityProblem(sub, name, body) ??
        HttpResponse.json(identityJson(sub, rg, name, IdentityBodySchema.parse(body), '201'), { status: 201 }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}/([^/]+)$`, 'i'),
      operation: 'UserAssignedIdentities_Get',
      apiVersion: v,
      handle: ({ params: [sub = '', rg = '', name = ''] }) =>
        subCheck(sub) ?? HttpResponse.json(identityJson(sub, rg, name, undefined, '200')),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`${BASE}/([^/]+)$`, 'i'),
      operation: 'UserAssignedIdentities_Delete',
      apiVersion: v,
      handle: ({ params: [sub = ''] }) => subCheck(sub) ?? new HttpResponse(null, { status: 200 }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}$`, 'i'),
      operation: 'UserAssignedIdentities_ListByResourceGroup',
      apiVersion: v,
      handle: ({ params: [sub = '', rg = ''] }) => {
        const item = identityJson(sub, rg, 'identityName', undefined, '200');
        // The example's nextLink points at a placeholder host: one page here.
        return subCheck(sub) ?? HttpResponse.json({ value: [item] });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials/([^/]+)$`, 'i'),
      operation: 'FederatedIdentityCredentials_CreateOrUpdate',
      apiVersion: v,
      handle: ({ params: [sub = '', rg = '', identity = '', name = ''], body }) =>
        subCheck(sub) ??
        ficProblem(name, body) ??
        HttpResponse.json(ficJson(sub, rg, identity, name, FicBodySchema.parse(body).properties), { status: 201 }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials/([^/]+)$`, 'i'),
      operation: 'FederatedIdentityCredentials_Get',
      apiVersion: v,
      handle: ({ params: [sub = '', rg = '', identity = '', name = ''] }) =>
        subCheck(sub) ??
        (FIC_NAME.test(name)
          ? HttpResponse.json(ficJson(sub, rg, identity, name))
          : serviceError('arm', 400, 'BadRequest', `Federated Identity Credential name '${name}' is invalid.`)),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials/([^/]+)$`, 'i'),
      operation: 'FederatedIdentityCredentials_Delete',
      apiVersion: v,
      handle: ({ params: [sub = ''] }) => subCheck(sub) ?? new HttpResponse(null, { status: 200 }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials$`, 'i'),
      operation: 'FederatedIdentityCredentials_List',
      apiVersion: v,
      handle: ({ params: [sub = '', rg = '', identity = ''], query }) => {
        const top = query.get('$top');
        if (top !== null && !/^\d+$/.test(top)) return badRequest('arm', `The $top '${top}' is not valid.`);
        return subCheck(sub) ?? HttpResponse.json({ value: [ficJson(sub, rg, identity, 'ficResourceName')] });
      },
    },
  ];
}
