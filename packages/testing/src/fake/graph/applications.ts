/**
 * `/applications` (Graph v1.0) in the fake: create, list, get, update and the upsert by
 * `uniqueName` with `Prefer: create-if-missing` (docs/reference/graph.md).
 */
import { isRecord, json, noContent } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import type { FakeApplication } from '../state';
import {
  APP,
  appKey,
  collection,
  duplicate,
  entity,
  findApp,
  INFO,
  invalid,
  notFound,
  odataContext,
  prefersCreate,
  unquote,
  VERIFIED_PUBLISHER,
} from './_common';

const SIGN_IN_AUDIENCES = new Set([
  'AzureADMyOrg',
  'AzureADMultipleOrgs',
  'AzureADandPersonalMicrosoftAccount',
  'PersonalMicrosoftAccount',
]);

/** Properties of a new application that nobody set (graph-v1.0-application-create.json, current resource page). */
const APPLICATION_DEFAULTS: Readonly<Record<string, unknown>> = {
  addIns: [],
  api: {
    requestedAccessTokenVersion: 2,
    acceptMappedClaims: null,
    knownClientApplications: [],
    oauth2PermissionScopes: [],
    preAuthorizedApplications: [],
  },
  appRoles: [],
  applicationTemplateId: null,
  certification: null,
  defaultRedirectUri: null,
  deletedDateTime: null,
  description: null,
  disabledByMicrosoftStatus: null,
  groupMembershipClaims: null,
  identifierUris: [],
  info: INFO,
  isDeviceOnlyAuthSupported: null,
  isFallbackPublicClient: null,
  keyCredentials: [],
  nativeAuthenticationApisEnabled: null,
  notes: null,
  oauth2RequirePostResponse: false,
  optionalClaims: null,
  parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
  passwordCredentials: [],
  publicClient: { redirectUris: [] },
  requestSignatureVerification: null,
  requiredResourceAccess: [],
  samlMetadataUrl: null,
  serviceManagementReference: null,
  servicePrincipalLockConfiguration: null,
  spa: { redirectUris: [] },
  tokenEncryptionKeyId: null,
  verifiedPublisher: VERIFIED_PUBLISHER,
  web: {
    homePageUrl: null,
    logoutUrl: null,
    redirectUris: [],
    redirectUriSettings: [],
    implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
  },
  windows: null,
};
const APPLICATION_READ_ONLY = new Set(['id', 'appId', 'createdDateTime', 'deletedDateTime', 'publisherDomain']);
const APPLICATION_PROPERTIES = new Set([
  ...Object.keys(APPLICATION_DEFAULTS),
  ...APPLICATION_READ_ONLY,
  'displayName',
  'uniqueName',
  'signInAudience',
  'tags',
]);

export function applicationRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;

  const applicationJson = (app: FakeApplication): Record<string, unknown> => ({
    id: app.id,
    appId: app.appId,
    createdDateTime: app.createdDateTime,
    ...structuredClone(APPLICATION_DEFAULTS),
    ...structuredClone(app.properties),
    displayName: app.displayName,
    publisherDomain: `${state.organization}.onmicrosoft.com`,
    signInAudience: app.signInAudience,
    tags: [...app.tags],
    // A v1.0 property (docs/reference/graph.md §1; examples/graph-v1.0-application-upsert-create.json):
    // null on an app made without one, so `$select=uniqueName` answers null there, not 400.
    uniqueName: app.uniqueName,
  });

  /** Checks an application body for create (`existing` undefined) or update; `undefined` when valid. */
  const checkApplication = (body: unknown, existing: { uniqueName: string | null } | undefined): Response | undefined => {
    if (!isRecord(body)) return invalid('The request body must be a JSON object.');
    for (const [key, value] of Object.entries(body)) {
      if (key.includes('@odata.')) continue;
      if (!APPLICATION_PROPERTIES.has(key))
        return invalid(`Property '${key}' does not exist as a declared property or extension property.`);
      if (APPLICATION_READ_ONLY.has(key)) return invalid(`Property '${key}' is read-only and cannot be set.`);
      if (key === 'displayName' && (typeof value !== 'string' || value.trim() === ''))
        return invalid("Invalid value specified for property 'displayName' of resource 'Application'.");
      if (key === 'signInAudience' && !SIGN_IN_AUDIENCES.has(String(value)))
        return invalid(`Invalid value specified for property 'signInAudience' of resource 'Application'.`);
      if (key === 'tags' && !(Array.isArray(value) && value.every((t) => typeof t === 'string')))
        return invalid("Invalid value specified for property 'tags' of resource 'Application'.");
      if (key === 'uniqueName' && (typeof value !== 'string' || (existing?.uniqueName != null && existing.uniqueName !== value))) {
        return invalid("Property 'uniqueName' can only be set when the application is created.");
      }
    }
    if (!existing && typeof body['displayName'] !== 'string')
      return invalid("A value is required for property 'displayName' of resource 'Application'.");
    return undefined;
  };

  const applyApplication = (app: FakeApplication, body: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(body)) {
      if (key.includes('@odata.')) continue;
      if (key === 'displayName') {
        app.displayName = value as string;
        const sp = state.servicePrincipalByAppId(app.appId);
        if (sp) sp.displayName = app.displayName;
      } else if (key === 'signInAudience') app.signInAudience = value as string;
      else if (key === 'tags') app.tags = [...(value as string[])];
      else if (key === 'uniqueName') app.uniqueName = value as string;
      else app.properties[key] = structuredClone(value);
    }
  };

  const createApplication = (body: Record<string, unknown>, uniqueName: string | undefined): FakeApplication => {
    // Without signInAudience Graph's create example answers AzureADandPersonalMicrosoftAccount (the
    // resource page says AzureADMyOrg): the fake takes the multitenant value, so that a client that
    // omits it gets an app the Azure DevOps issuer refuses (AADSTS70052) instead of a silent default.
    // https://learn.microsoft.com/graph/api/application-post-applications
    const app = state.addApplication({
      displayName: body['displayName'] as string,
      signInAudience: 'AzureADandPersonalMicrosoftAccount',
      ...(uniqueName !== undefined ? { uniqueName } : {}),
    });
    applyApplication(app, body);
    return app;
  };

  const entityOf = (app: FakeApplication, status: number): Response =>
    json({ '@odata.context': odataContext(rt, 'applications/$entity'), ...applicationJson(app) }, status);

  return [
    {
      method: 'POST',
      pattern: /^\/applications\/?$/i,
      operation: 'applications.create',
      handle: ({ body }) => {
        const bad = checkApplication(body, undefined);
        if (bad) return bad;
        const b = body as Record<string, unknown>;
        const uniqueName = typeof b['uniqueName'] === 'string' ? b['uniqueName'] : undefined;
        if (uniqueName !== undefined && state.applicationByUniqueName(uniqueName)) {
          return duplicate('Another object with the same value for property uniqueName already exists.');
        }
        return entityOf(createApplication(b, uniqueName), 201);
      },
    },
    {
      method: 'GET',
      pattern: /^\/applications\/?$/i,
      operation: 'applications.list',
      handle: (ctx) => collection(rt, ctx, 'applications', state.applications().map(applicationJson)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${APP}$`, 'i'),
      operation: 'applications.get',
      handle: (ctx) => {
        const app = findApp(state, ctx.params);
        return app ? entity(rt, ctx, 'applications', applicationJson(app)) : notFound(appKey(ctx.params));
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^${APP}$`, 'i'),
      operation: 'applications.update',
      handle: (ctx) => {
        const app = findApp(state, ctx.params);
        if (app) {
          const bad = checkApplication(ctx.body ?? {}, app);
          if (bad) return bad;
          applyApplication(app, (ctx.body ?? {}) as Record<string, unknown>);
          return noContent();
        }
        // Upsert (https://learn.microsoft.com/graph/api/application-upsert): only by uniqueName and only with Prefer: create-if-missing.
        const [, key, value] = ctx.params;
        if (key?.toLowerCase() !== 'uniquename' || !prefersCreate(ctx.request)) return notFound(appKey(ctx.params));
        const uniqueName = unquote(value ?? '');
        const bad = checkApplication(ctx.body, { uniqueName });
        if (bad) return bad;
        if (typeof (ctx.body as Record<string, unknown>)['displayName'] !== 'string') {
          return invalid("A value is required for property 'displayName' of resource 'Application'.");
        }
        return entityOf(createApplication(ctx.body as Record<string, unknown>, uniqueName), 201);
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^${APP}$`, 'i'),
      operation: 'applications.delete',
      handle: (ctx) => {
        const app = findApp(state, ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        state.deleteApplication(app.id);
        return noContent();
      },
    },
  ];
}
