/**
 * ARM `Microsoft.ManagedIdentity` in the fake (api-versions 2023-01-31 and 2024-11-30): user-assigned
 * identities (each with a service principal in the directory, so role assignments and the token
 * endpoint know it) and their federated credentials, with the service's rules: one credential write
 * at a time per identity (409 `ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity`
 * while another is in flight), at most 20 credentials, no duplicate issuer+subject, exactly one
 * audience, regions without credential support (405), idempotent deletes (204).
 * Source: learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations.
 */
import { serviceError, type RouteContext } from '../_router';
import {
  ficProblem,
  FicBodySchema,
  identityId,
  identityProblem,
  IdentityBodySchema,
  MANAGED_IDENTITY_API_VERSIONS,
} from '../contract/managedIdentity';
import { nextPageUrl, readPageToken } from './_query';
import { json, noContent } from './_respond';
import {
  MAX_IDENTITY_CREDENTIALS,
  normalizeLocation,
  REGIONS_WITHOUT_IDENTITY_CREDENTIALS,
  type FakeManagedIdentity,
} from './governanceState';
import type { FakeRoute, FakeRuntime } from './options';

const BASE = '^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities';
const armError = (status: number, code: string, message: string): Response => serviceError('arm', status, code, message);

export function managedIdentityRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const gov = state.governance;
  const versions = MANAGED_IDENTITY_API_VERSIONS;

  const identityJson = (m: FakeManagedIdentity, apiVersion: string | null): Record<string, unknown> => ({
    id: identityId(m.subscriptionId, m.resourceGroup, m.name),
    name: m.name,
    type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    location: m.location,
    tags: { ...m.tags },
    properties: {
      tenantId: m.tenantId,
      principalId: m.principalId,
      clientId: m.clientId,
      ...(apiVersion === '2023-01-31' ? {} : { isolationScope: 'None' }),
    },
  });
  const credentialJson = (
    m: FakeManagedIdentity,
    c: { name: string; issuer: string; subject: string; audiences: string[] },
  ): Record<string, unknown> => ({
    id: `${identityId(m.subscriptionId, m.resourceGroup, m.name)}/federatedIdentityCredentials/${c.name}`,
    name: c.name,
    type: 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials',
    properties: { issuer: c.issuer, subject: c.subject, audiences: [...c.audiences] },
  });
  const notFound = (name: string): Response =>
    armError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/${name}' under resource group was not found.`,
    );
  const parentMissing = (): Response => armError(404, 'ParentResourceNotFound', "The parent user-assigned identity doesn't exist.");
  const lookup = (ctx: RouteContext): FakeManagedIdentity | undefined => {
    const [sub = '', rg = '', name = ''] = ctx.params;
    return gov.managedIdentity(sub, rg, name);
  };
  const ficLock = (ctx: RouteContext): string => `msi-fic:${ctx.params.slice(0, 3).join('/').toLowerCase()}`;
  const ficConflict = (): Response =>
    armError(
      409,
      'ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity',
      'Too many Federated Identity Credentials are written concurrently for the managed identity. Concurrent Federated Identity Credentials writes under the same managed identity are not supported.',
    );

  return [
    {
      method: 'PUT',
      pattern: new RegExp(`${BASE}/([^/]+)$`, 'i'),
      operation: 'UserAssignedIdentities_CreateOrUpdate',
      apiVersion: versions,
      handle(ctx) {
        const [sub = '', rg = '', name = ''] = ctx.params;
        const problem = identityProblem(sub, name, ctx.body);
        if (problem) return problem;
        const body = IdentityBodySchema.parse(ctx.body);
        const existing = gov.managedIdentity(sub, rg, name);
        if (existing) {
          if (normalizeLocation(existing.location) !== normalizeLocation(body.location)) {
            return armError(
              400,
              'InvalidResourceLocation',
              `The resource '${name}' already exists in location '${existing.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${body.location}'. Please select a new resource name.`,
            );
          }
          if (body.tags !== undefined) existing.tags = { ...body.tags };
          return json(identityJson(existing, ctx.query.get('api-version')), 200);
        }
        const created = gov.addManagedIdentity({
          subscriptionId: sub,
          resourceGroup: rg,
          name,
          location: body.location,
          ...(body.tags ? { tags: body.tags } : {}),
        });
        // A managed identity is a service principal without an application object.
        state.addManagedIdentityServicePrincipal({
          appId: created.clientId,
          id: created.principalId,
          displayName: created.name,
          resourceId: identityId(created.subscriptionId, created.resourceGroup, created.name),
        });
        return json(identityJson(created, ctx.query.get('api-version')), 201);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}/([^/]+)$`, 'i'),
      operation: 'UserAssignedIdentities_Get',
      apiVersion: versions,
      handle(ctx) {
        const found = lookup(ctx);
        return found ? json(identityJson(found, ctx.query.get('api-version'))) : notFound(ctx.params[2] ?? '');
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`${BASE}/([^/]+)$`, 'i'),
      operation: 'UserAssignedIdentities_Delete',
      apiVersion: versions,
      handle(ctx) {
        const [sub = '', rg = '', name = ''] = ctx.params;
        const gone = gov.deleteManagedIdentity(sub, rg, name);
        if (!gone) return noContent();
        state.deleteServicePrincipal(gone.principalId);
        return new Response(null, { status: 200 });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}$`, 'i'),
      operation: 'UserAssignedIdentities_ListByResourceGroup',
      apiVersion: versions,
      handle(ctx) {
        const [sub = '', rg = ''] = ctx.params;
        const value = gov
          .managedIdentities()
          .filter((m) => m.subscriptionId.toLowerCase() === sub.toLowerCase() && m.resourceGroup.toLowerCase() === rg.toLowerCase())
          .map((m) => identityJson(m, ctx.query.get('api-version')));
        return json({ value });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials/([^/]+)$`, 'i'),
      operation: 'FederatedIdentityCredentials_CreateOrUpdate',
      apiVersion: versions,
      lock: ficLock,
      conflict: ficConflict,
      handle(ctx) {
        const identity = lookup(ctx);
        const name = ctx.params[3] ?? '';
        const problem = ficProblem(name, ctx.body);
        if (problem) return problem;
        if (!identity) return parentMissing();
        if (REGIONS_WITHOUT_IDENTITY_CREDENTIALS.includes(normalizeLocation(identity.location))) {
          return armError(
            405,
            'MethodNotAllowed',
            'The request format was unexpected: Support for federated identity credentials not enabled.',
          );
        }
        const { issuer, subject, audiences } = FicBodySchema.parse(ctx.body).properties;
        const existing = identity.credentials.get(name.toLowerCase());
        const duplicate = [...identity.credentials.values()].find(
          (c) => c.name.toLowerCase() !== name.toLowerCase() && c.issuer === issuer && c.subject === subject,
        );
        if (duplicate) return armError(400, 'BadRequest', 'Issuer and subject combination already exists for this Managed Identity.');
        if (!existing && identity.credentials.size >= MAX_IDENTITY_CREDENTIALS) {
          // The documented limit; the exact code and text of this refusal are not documented.
          return armError(
            400,
            'BadRequest',
            `The maximum number of ${MAX_IDENTITY_CREDENTIALS} federated identity credentials for this managed identity has been reached.`,
          );
        }
        const written = gov.setManagedIdentityCredential(identity, { name: existing?.name ?? name, issuer, subject, audiences });
        return json(credentialJson(identity, written), existing ? 200 : 201);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials/([^/]+)$`, 'i'),
      operation: 'FederatedIdentityCredentials_Get',
      apiVersion: versions,
      handle(ctx) {
        const identity = lookup(ctx);
        if (!identity) return parentMissing();
        const found = identity.credentials.get((ctx.params[3] ?? '').toLowerCase());
        return found
          ? json(credentialJson(identity, found))
          : armError(404, 'NotFound', `Federated Identity Credential '${ctx.params[3] ?? ''}' was not found.`);
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials/([^/]+)$`, 'i'),
      operation: 'FederatedIdentityCredentials_Delete',
      apiVersion: versions,
      lock: ficLock,
      conflict: ficConflict,
      handle(ctx) {
        const identity = lookup(ctx);
        if (!identity) return noContent();
        return identity.credentials.delete((ctx.params[3] ?? '').toLowerCase()) ? new Response(null, { status: 200 }) : noContent();
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${BASE}/([^/]+)/federatedIdentityCredentials$`, 'i'),
      operation: 'FederatedIdentityCredentials_List',
      apiVersion: versions,
      handle(ctx) {
        const identity = lookup(ctx);
        if (!identity) return parentMissing();
        const topText = ctx.query.get('$top');
        if (topText !== null && !/^\d+$/.test(topText)) return armError(400, 'BadRequest', `The $top '${topText}' is not valid.`);
        const offset = readPageToken(ctx.query.get('$skiptoken'));
        if (offset === undefined) return armError(400, 'BadRequest', 'The $skiptoken is not valid.');
        const size = topText === null ? MAX_IDENTITY_CREDENTIALS : Math.max(1, Number(topText));
        const all = [...identity.credentials.values()];
        const value = all.slice(offset, offset + size).map((c) => credentialJson(identity, c));
        return json({ value, ...(offset + size < all.length ? { nextLink: nextPageUrl(ctx.url, '$skiptoken', offset + size) } : {}) });
      },
    },
  ];
}
