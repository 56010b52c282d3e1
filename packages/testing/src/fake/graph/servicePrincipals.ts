/**
 * `/servicePrincipals` (Graph v1.0) in the fake: one service principal per application, invisible
 * to reads while it replicates (docs/reference/graph.md §9).
 */
import { isRecord, json, noContent } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import type { FakeServicePrincipal } from '../state';
import { collection, duplicate, entity, INFO, invalid, LITERAL, notFound, odataContext, unquote, VERIFIED_PUBLISHER } from './_common';

const SERVICE_PRINCIPAL_WRITABLE = new Set(['appId', 'accountEnabled', 'tags']);

export function servicePrincipalRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;

  const servicePrincipalJson = (sp: FakeServicePrincipal): Record<string, unknown> => {
    const app = state.applicationByAppId(sp.appId);
    return {
      id: sp.id,
      deletedDateTime: null,
      accountEnabled: sp.accountEnabled,
      alternativeNames: [...(sp.alternativeNames ?? [])],
      appDisplayName: app?.displayName ?? sp.displayName,
      appDescription: null,
      appId: sp.appId,
      applicationTemplateId: null,
      appOwnerOrganizationId: state.tenantId,
      appRoleAssignmentRequired: false,
      description: null,
      disabledByMicrosoftStatus: null,
      displayName: sp.displayName,
      homepage: null,
      loginUrl: null,
      logoutUrl: null,
      notes: null,
      notificationEmailAddresses: [],
      preferredSingleSignOnMode: null,
      preferredTokenSigningKeyThumbprint: null,
      publisherName: state.organization,
      replyUrls: [],
      samlSingleSignOnSettings: null,
      servicePrincipalNames: [sp.appId],
      servicePrincipalType: sp.servicePrincipalType ?? 'Application',
      signInAudience: app?.signInAudience ?? 'AzureADMyOrg',
      tags: [...sp.tags],
      tokenEncryptionKeyId: null,
      addIns: [],
      appRoles: [],
      info: { ...INFO },
      keyCredentials: [],
      oauth2PermissionScopes: [],
      passwordCredentials: [],
      resourceSpecificApplicationPermissions: [],
      verifiedPublisher: { ...VERIFIED_PUBLISHER },
    };
  };

  /** A new service principal is invisible to reads for `replicationLagInMs` (docs/reference/graph.md §9). */
  const visible = (sp: FakeServicePrincipal | undefined): FakeServicePrincipal | undefined =>
    sp && rt.now() >= sp.createdAt + rt.options.replicationLagInMs ? sp : undefined;

  return [
    {
      method: 'POST',
      pattern: /^\/servicePrincipals\/?$/i,
      operation: 'servicePrincipals.create',
      handle: ({ body }) => {
        if (!isRecord(body)) return invalid('The request body must be a JSON object.');
        for (const key of Object.keys(body)) {
          if (!SERVICE_PRINCIPAL_WRITABLE.has(key) && !key.includes('@odata.'))
            return invalid(`Property '${key}' is not supported by this fake on create.`);
        }
        const appId = body['appId'];
        if (typeof appId !== 'string') return invalid("A value is required for property 'appId' of resource 'ServicePrincipal'.");
        const application = state.applicationByAppId(appId);
        // Right after an app is created, Graph answers this 400 until the app has replicated
        // (https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals): a client must
        // retry it for a new app only.
        if (!application || rt.now() < Date.parse(application.createdDateTime) + rt.options.appReplicationLagInMs)
          return invalid(`The appId '${appId}' of the service principal does not reference a valid application object.`);
        if (state.servicePrincipalByAppId(appId))
          return duplicate('Another object with the same value for property servicePrincipalNames already exists.');
        const sp = state.addServicePrincipal({ appId });
        if (typeof body['accountEnabled'] === 'boolean') sp.accountEnabled = body['accountEnabled'];
        if (Array.isArray(body['tags'])) sp.tags = body['tags'].map(String);
        return json({ '@odata.context': odataContext(rt, 'servicePrincipals/$entity'), ...servicePrincipalJson(sp) }, 201);
      },
    },
    {
      method: 'GET',
      pattern: /^\/servicePrincipals\/?$/i,
      operation: 'servicePrincipals.list',
      handle: (ctx) =>
        collection(
          rt,
          ctx,
          'servicePrincipals',
          state
            .servicePrincipals()
            .filter((sp) => visible(sp))
            .map(servicePrincipalJson),
        ),
    },
    {
      method: 'GET',
      pattern: new RegExp(String.raw`^/servicePrincipals(?:/([^/()]+)|\(appId=${LITERAL}\))$`, 'i'),
      operation: 'servicePrincipals.get',
      handle: (ctx) => {
        const [id, appId] = ctx.params;
        const sp = visible(id ? state.servicePrincipal(id) : state.servicePrincipalByAppId(unquote(appId ?? '')));
        return sp ? entity(rt, ctx, 'servicePrincipals', servicePrincipalJson(sp)) : notFound(id || `appId='${unquote(appId ?? '')}'`);
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(String.raw`^/servicePrincipals(?:/([^/()]+)|\(appId=${LITERAL}\))$`, 'i'),
      operation: 'servicePrincipals.delete',
      handle: (ctx) => {
        const [id, appId] = ctx.params;
        const sp = id ? state.servicePrincipal(id) : state.servicePrincipalByAppId(unquote(appId ?? ''));
        if (!sp) return notFound(id || `appId='${unquote(appId ?? '')}'`);
        state.deleteServicePrincipal(sp.id);
        return noContent();
      },
    },
  ];
}
