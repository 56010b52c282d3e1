/**
 * Microsoft Graph v1.0 in the fake: applications, service principals and federated identity
 * credentials, with the rules of `docs/reference/graph.md` (upsert by uniqueName, FIC limits and name
 * rules, one service principal per app, replication lag of new service principals).
 */
import { serviceError, type RouteContext } from '../_router';
import { TOKEN_EXCHANGE_AUDIENCE } from './federation';
import { nextPageUrl, parseFilter, readPageToken, type FilterClause } from './_query';
import { isRecord, json, noContent, selectProperties } from './_respond';
import type { FakeRoute, FakeRuntime } from './options';
import type { GraphPermission } from './permissions';
import type { FakeApplication, FakeFederatedCredential, FakeServicePrincipal } from './state';

const LITERAL = String.raw`'((?:[^']|'')*)'`;
/** `/applications/{id}` or `/applications(appId='…')` / `(uniqueName='…')`: groups id, key, value. */
const APP = String.raw`/applications(?:/([^/()]+)|\((appId|uniqueName)=${LITERAL}\))`;
/** `/federatedIdentityCredentials/{idOrName}` or `(name='…')`: groups idOrName, name. */
const FIC = String.raw`/federatedIdentityCredentials(?:/([^/()]+)|\(name=${LITERAL}\))`;

const SIGN_IN_AUDIENCES = new Set([
  'AzureADMyOrg',
  'AzureADMultipleOrgs',
  'AzureADandPersonalMicrosoftAccount',
  'PersonalMicrosoftAccount',
]);
const MAX_FICS_PER_APP = 20;
const FIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;
const MAX_FIC_FIELD = 600;
const DEFAULT_PAGE = 100;

const INFO = { termsOfServiceUrl: null, supportUrl: null, privacyStatementUrl: null, marketingUrl: null, logoUrl: null };
const VERIFIED_PUBLISHER = { displayName: null, verifiedPublisherId: null, addedDateTime: null };

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
const SERVICE_PRINCIPAL_WRITABLE = new Set(['appId', 'accountEnabled', 'tags']);
const FIC_PROPERTIES = new Set(['name', 'issuer', 'subject', 'audiences', 'description']);

const unquote = (s: string): string => s.replace(/''/g, "'");
const prefersCreate = (request: Request): boolean => /\bcreate-if-missing\b/i.test(request.headers.get('prefer') ?? '');
const notFound = (key: string): Response =>
  serviceError(
    'graph',
    404,
    'Request_ResourceNotFound',
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
const invalid = (message: string): Response => serviceError('graph', 400, 'Request_BadRequest', message);
const unsupportedQuery = (): Response => serviceError('graph', 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
// docs/reference/graph.md §4/§5: the status of a duplicate key is unconfirmed (observed 400 or 409); the fake answers
// 409 with the observed code. Callers should branch on the code, not the status.
const duplicate = (message: string): Response => serviceError('graph', 409, 'Request_MultipleObjectsWithSameKeyValue', message);

function matches(clauses: readonly FilterClause[], props: Record<string, unknown>, caseSensitive = false): boolean | undefined {
  const norm = (v: unknown): string => (caseSensitive ? String(v) : String(v).toLowerCase());
  for (const c of clauses) {
    const key = Object.keys(props).find((k) => k.toLowerCase() === (c.kind === 'call' ? (c.args[0] ?? '') : c.property).toLowerCase());
    if (key === undefined) return undefined;
    const value = props[key];
    if (c.kind === 'eq' && !(value !== null && norm(value) === norm(c.value))) return false;
    if (c.kind === 'any' && !(Array.isArray(value) && value.some((v) => norm(v) === norm(c.value)))) return false;
    if (c.kind === 'call') {
      if (c.name.toLowerCase() !== 'startswith' || c.args.length !== 2) return undefined;
      if (!(typeof value === 'string' && value.toLowerCase().startsWith((c.args[1] ?? '').toLowerCase()))) return false;
    }
  }
  return true;
}

function baseGraphRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const base = (): string => rt.options.baseUrls.graph;
  const context = (what: string): string => `${base()}/$metadata#${what}`;

  // ------------------------------------------------------------ representations

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
    ...(app.uniqueName !== null ? { uniqueName: app.uniqueName } : {}),
  });

  const servicePrincipalJson = (sp: FakeServicePrincipal): Record<string, unknown> => {
    const app = state.applicationByAppId(sp.appId);
    return {
      id: sp.id,
      deletedDateTime: null,
      accountEnabled: sp.accountEnabled,
      alternativeNames: [],
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
      servicePrincipalType: 'Application',
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

  const ficJson = (app: FakeApplication, fic: FakeFederatedCredential): Record<string, unknown> => ({
    '@odata.id': `${new URL(base()).origin}/v2/${state.tenantId}/directoryObjects/$/Microsoft.DirectoryServices.Application('${app.id}')/federatedIdentityCredentials/${fic.id}`,
    id: fic.id,
    name: fic.name,
    issuer: fic.issuer,
    subject: fic.subject,
    description: fic.description,
    audiences: [...fic.audiences],
  });

  /** One entity, `$select` applied, with its `@odata.context`. */
  const entity = (ctx: RouteContext, set: string, full: Record<string, unknown>, status = 200): Response => {
    const selected = selectProperties(full, ctx.query.get('$select'));
    if (!selected.ok)
      return invalid(`Could not find a property named '${selected.property}' on type 'microsoft.graph.${set.replace(/s$/, '')}'.`);
    const cols = ctx.query.get('$select') ? `(${Object.keys(selected.value).join(',')})` : '';
    return json({ '@odata.context': context(`${set}${cols}/$entity`), ...selected.value }, status);
  };

  /** A page of a directory collection: `$filter`, `$top`, `$skiptoken`, `$select`. */
  const collection = (ctx: RouteContext, set: string, items: Array<Record<string, unknown>>): Response => {
    const filter = ctx.query.get('$filter');
    let rows = items;
    if (filter !== null) {
      const clauses = parseFilter(filter);
      if (!clauses) return unsupportedQuery();
      const kept: Array<Record<string, unknown>> = [];
      for (const row of rows) {
        const m = matches(clauses, row);
        if (m === undefined) return unsupportedQuery();
        if (m) kept.push(row);
      }
      rows = kept;
    }
    const topText = ctx.query.get('$top');
    const top = topText === null ? DEFAULT_PAGE : Number(topText);
    if (!Number.isInteger(top) || top < 1 || top > 999)
      return invalid(`Invalid page size specified: '${topText ?? ''}'. Must be between 1 and 999 inclusive.`);
    const offset = readPageToken(ctx.query.get('$skiptoken'));
    if (offset === undefined) return invalid('Invalid $skiptoken.');
    const page: Array<Record<string, unknown>> = [];
    for (const row of rows.slice(offset, offset + top)) {
      const selected = selectProperties(row, ctx.query.get('$select'));
      if (!selected.ok)
        return invalid(`Could not find a property named '${selected.property}' on type 'microsoft.graph.${set.replace(/s$/, '')}'.`);
      page.push(selected.value);
    }
    const more = offset + top < rows.length;
    return json({
      '@odata.context': context(set),
      value: page,
      ...(more ? { '@odata.nextLink': nextPageUrl(ctx.url, '$skiptoken', offset + top) } : {}),
    });
  };

  // ------------------------------------------------------------ applications

  const findApp = ([id, key, value]: readonly string[]): FakeApplication | undefined => {
    if (id) return state.application(id);
    const v = unquote(value ?? '');
    return key?.toLowerCase() === 'appid' ? state.applicationByAppId(v) : state.applicationByUniqueName(v);
  };
  const appKey = ([id, key, value]: readonly string[]): string => id || `${key}='${unquote(value ?? '')}'`;

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

  // ------------------------------------------------------------ service principals

  /** A new service principal is invisible to reads for `replicationLagInMs` (docs/reference/graph.md §9). */
  const visible = (sp: FakeServicePrincipal | undefined): FakeServicePrincipal | undefined =>
    sp && rt.now() >= sp.createdAt + rt.options.replicationLagInMs ? sp : undefined;

  // ------------------------------------------------------------ federated identity credentials

  const findFic = (app: FakeApplication, [idOrName, name]: readonly string[]): FakeFederatedCredential | undefined => {
    const key = idOrName || unquote(name ?? '');
    return state.federatedCredentials(app.id).find((f) => f.id === key.toLowerCase() || f.name === key);
  };

  /** Checks a FIC body (docs/reference/graph.md §5); `name` is the new credential's name when creating. */
  const checkFic = (
    app: FakeApplication,
    body: unknown,
    existing: FakeFederatedCredential | undefined,
    name: string | undefined,
  ): Response | undefined => {
    if (!isRecord(body)) return invalid('The request body must be a JSON object.');
    for (const key of Object.keys(body)) {
      if (key.includes('@odata.')) continue;
      if (key === 'id') return invalid("Property 'id' is read-only and cannot be set.");
      if (!FIC_PROPERTIES.has(key)) return invalid(`Property '${key}' does not exist as a declared property or extension property.`);
    }
    if (existing && body['name'] !== undefined && body['name'] !== existing.name)
      return invalid("Property 'name' is read-only and cannot be changed after creation.");
    for (const field of ['issuer', 'subject'] as const) {
      const v = body[field];
      if (v === undefined && !existing)
        return invalid(`A value is required for property '${field}' of resource 'FederatedIdentityCredential'.`);
      if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > MAX_FIC_FIELD)) {
        return invalid(`Invalid value specified for property '${field}' of resource 'FederatedIdentityCredential'.`);
      }
    }
    const audiences = body['audiences'];
    if (audiences === undefined && !existing)
      return invalid("A value is required for property 'audiences' of resource 'FederatedIdentityCredential'.");
    if (
      audiences !== undefined &&
      !(Array.isArray(audiences) && audiences.length === 1 && typeof audiences[0] === 'string' && audiences[0].length <= MAX_FIC_FIELD)
    ) {
      return invalid('Federated identity credentials must have exactly one audience.');
    }
    if (
      body['description'] !== undefined &&
      body['description'] !== null &&
      (typeof body['description'] !== 'string' || body['description'].length > MAX_FIC_FIELD)
    ) {
      return invalid("Invalid value specified for property 'description' of resource 'FederatedIdentityCredential'.");
    }
    const all = state.federatedCredentials(app.id);
    if (!existing) {
      if (name === undefined) return invalid("A value is required for property 'name' of resource 'FederatedIdentityCredential'.");
      if (!FIC_NAME.test(name)) return invalid(`Federated Identity Credential name '${name}' is invalid.`);
      // The limit's error body is unconfirmed (documented: max 20 per application).
      if (all.length >= MAX_FICS_PER_APP)
        return invalid(`The maximum number of federated identity credentials (${MAX_FICS_PER_APP}) for this application has been reached.`);
      if (all.some((f) => f.name.toLowerCase() === name.toLowerCase()))
        return duplicate(`FederatedIdentityCredential with name ${name} already exists.`);
    }
    const issuer = (body['issuer'] as string | undefined) ?? existing?.issuer;
    const subject = (body['subject'] as string | undefined) ?? existing?.subject;
    // Observed answer (github.com/Azure/azure-workload-identity/issues/434): 400 with its own code.
    if (all.some((f) => f !== existing && f.issuer === issuer && f.subject === subject))
      return serviceError(
        'graph',
        400,
        'InvalidFederatedIdentityCredentialValue',
        `The combination of issuer and subject must be unique for the application. Issuer ${issuer} and Subject: ${subject} already exist. paramName: FederatedIdentityCredential.Subject, paramValue: ${subject}, objectType: Microsoft.Online.DirectoryServices.Application`,
      );
    return undefined;
  };

  const writeFic = (fic: FakeFederatedCredential, body: Record<string, unknown>): void => {
    if (typeof body['issuer'] === 'string') fic.issuer = body['issuer'];
    if (typeof body['subject'] === 'string') fic.subject = body['subject'];
    if (Array.isArray(body['audiences'])) fic.audiences = [...(body['audiences'] as string[])];
    if (body['description'] !== undefined) fic.description = body['description'] as string | null;
    fic.writtenAt = rt.now();
  };

  const createFic = (app: FakeApplication, body: Record<string, unknown>, name: string): FakeFederatedCredential =>
    state.addFederatedCredential(app.id, {
      name,
      issuer: body['issuer'] as string,
      subject: body['subject'] as string,
      audiences: (body['audiences'] as string[] | undefined) ?? [TOKEN_EXCHANGE_AUDIENCE],
      description: (body['description'] as string | null | undefined) ?? null,
    });

  const ficEntity = (app: FakeApplication, fic: FakeFederatedCredential, status: number): Response =>
    json({ '@odata.context': context(`applications('${app.id}')/federatedIdentityCredentials/$entity`), ...ficJson(app, fic) }, status);

  // Graph answers concurrent FIC writes on one parent with 409 (docs/reference/graph.md §5, documented for managed
  // identities); the code for applications is unconfirmed.
  const ficLock = (ctx: RouteContext): string => `fic/${findApp(ctx.params)?.id ?? appKey(ctx.params)}`;
  const ficConflict = (): Response =>
    serviceError(
      'graph',
      409,
      'ConcurrentFederatedIdentityCredentialsWrites',
      'Concurrent federated identity credential writes under the same application are not supported.',
    );

  return [
    // ---------------------------------------------------------- applications
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
      handle: (ctx) => collection(ctx, 'applications', state.applications().map(applicationJson)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${APP}$`, 'i'),
      operation: 'applications.get',
      handle: (ctx) => {
        const app = findApp(ctx.params);
        return app ? entity(ctx, 'applications', applicationJson(app)) : notFound(appKey(ctx.params));
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^${APP}$`, 'i'),
      operation: 'applications.update',
      handle: (ctx) => {
        const app = findApp(ctx.params);
        if (app) {
          const bad = checkApplication(ctx.body ?? {}, app);
          if (bad) return bad;
          applyApplication(app, (ctx.body ?? {}) as Record<string, unknown>);
          return noContent();
        }
        // Upsert (application-upsert.md): only by uniqueName and only with Prefer: create-if-missing.
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
        const app = findApp(ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        state.deleteApplication(app.id);
        return noContent();
      },
    },
    // ---------------------------------------------------------- service principals
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
        return json({ '@odata.context': context('servicePrincipals/$entity'), ...servicePrincipalJson(sp) }, 201);
      },
    },
    {
      method: 'GET',
      pattern: /^\/servicePrincipals\/?$/i,
      operation: 'servicePrincipals.list',
      handle: (ctx) =>
        collection(
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
        return sp ? entity(ctx, 'servicePrincipals', servicePrincipalJson(sp)) : notFound(id || `appId='${unquote(appId ?? '')}'`);
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
    // ---------------------------------------------------------- federated identity credentials
    {
      method: 'GET',
      pattern: new RegExp(`^${APP}/federatedIdentityCredentials/?$`, 'i'),
      operation: 'federatedIdentityCredentials.list',
      handle: (ctx) => {
        const app = findApp(ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        let rows = state.federatedCredentials(app.id).map((f) => ficJson(app, f));
        const filter = ctx.query.get('$filter');
        if (filter !== null) {
          const clauses = parseFilter(filter);
          // issuer/subject are matched exactly, as the token exchange does (docs/reference/federation.md §2).
          const kept = clauses && rows.map((r) => matches(clauses, r, true));
          if (!kept || kept.includes(undefined)) return unsupportedQuery();
          rows = rows.filter((_, i) => kept[i]);
        }
        return json({ '@odata.context': context(`applications('${app.id}')/federatedIdentityCredentials`), value: rows });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${APP}/federatedIdentityCredentials/?$`, 'i'),
      operation: 'federatedIdentityCredentials.create',
      lock: ficLock,
      conflict: ficConflict,
      handle: (ctx) => {
        const app = findApp(ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        const name = isRecord(ctx.body) && typeof ctx.body['name'] === 'string' ? ctx.body['name'] : undefined;
        const bad = checkFic(app, ctx.body, undefined, name);
        if (bad) return bad;
        return ficEntity(app, createFic(app, ctx.body as Record<string, unknown>, name!), 201);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${APP}${FIC}$`, 'i'),
      operation: 'federatedIdentityCredentials.get',
      handle: (ctx) => {
        const app = findApp(ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        const fic = findFic(app, ctx.params.slice(3));
        return fic ? ficEntity(app, fic, 200) : ficNotFound(ctx.params.slice(3));
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^${APP}${FIC}$`, 'i'),
      operation: 'federatedIdentityCredentials.update',
      lock: ficLock,
      conflict: ficConflict,
      handle: (ctx) => {
        const app = findApp(ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        const [, byName] = ctx.params.slice(3);
        const fic = findFic(app, ctx.params.slice(3));
        if (fic) {
          const bad = checkFic(app, ctx.body ?? {}, fic, undefined);
          if (bad) return bad;
          writeFic(fic, (ctx.body ?? {}) as Record<string, unknown>);
          return noContent();
        }
        // Upsert (federatedidentitycredential-upsert.md): by name, with Prefer: create-if-missing.
        if (!byName || !prefersCreate(ctx.request)) return ficNotFound(ctx.params.slice(3));
        const name = unquote(byName);
        const bad = checkFic(app, ctx.body, undefined, name);
        if (bad) return bad;
        return ficEntity(app, createFic(app, ctx.body as Record<string, unknown>, name), 201);
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^${APP}${FIC}$`, 'i'),
      operation: 'federatedIdentityCredentials.delete',
      lock: ficLock,
      conflict: ficConflict,
      handle: (ctx) => {
        const app = findApp(ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        const fic = findFic(app, ctx.params.slice(3));
        if (!fic) return ficNotFound(ctx.params.slice(3));
        state.deleteFederatedCredential(app.id, fic.id);
        return noContent();
      },
    },
  ];

  function entityOf(app: FakeApplication, status: number): Response {
    return json({ '@odata.context': context('applications/$entity'), ...applicationJson(app) }, status);
  }

  function ficNotFound([idOrName, name]: readonly string[]): Response {
    return serviceError(
      'graph',
      404,
      'Request_ResourceNotFound',
      `FederatedIdentityCredential with name ${idOrName || unquote(name ?? '')} not found.`,
    );
  }
}

// ------------------------------------------------------------ authorization of writes (permissions.ts)
// What each write needs (Graph permissions reference, application/servicePrincipal/FIC create pages):
// creating an app: Application.ReadWrite.All, AppRegistration.Create, or (app-only) OwnedBy; any other
// app/SP/FIC write: Application.ReadWrite.All or (app-only) OwnedBy. A delegated caller must also be
// allowed to register apps (tenant policy) unless a directory role lets it.
const ADMIN_OR_DEVELOPER = new Set([
  '62e90394-69f5-4237-9190-012177145e10',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  '158c047a-c907-4556-b7ef-446551a6b5f7',
  'cf1c38e5-3621-4004-a7cb-879624dced7c',
]);

/** The Graph routes of the fake: the service's, each write refused when the caller lacks the permission. */
export function graphRoutes(rt: FakeRuntime): FakeRoute[] {
  const refusal = (ctx: RouteContext, creatingApp: boolean): Response | undefined => {
    const c = ctx.caller;
    if (!c) return undefined;
    const appOnly = c['idtyp'] === 'app';
    const held = (
      appOnly ? (Array.isArray(c['roles']) ? (c['roles'] as unknown[]) : []) : typeof c.scp === 'string' ? c.scp.split(' ') : []
    ).filter((p): p is GraphPermission => typeof p === 'string' && !rt.permissions.graphDenies(p as GraphPermission));
    const enough: readonly GraphPermission[] = creatingApp
      ? appOnly
        ? ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'AppRegistration.Create']
        : ['Application.ReadWrite.All', 'AppRegistration.Create']
      : appOnly
        ? ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy']
        : ['Application.ReadWrite.All'];
    const wids = Array.isArray(c['wids']) ? (c['wids'] as unknown[]) : [];
    const directoryOk =
      appOnly || !creatingApp || rt.permissions.allowedToCreateApps || wids.some((w) => typeof w === 'string' && ADMIN_OR_DEVELOPER.has(w));
    if (held.some((p) => enough.includes(p)) && directoryOk) return undefined;
    // The message Graph answers for a missing permission or directory right (observed).
    return serviceError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  };
  const upsertTarget = /^\/applications\(uniqueName='((?:[^']|'')*)'\)$/i;
  const guarded = (route: FakeRoute): FakeRoute =>
    route.method === 'GET'
      ? route
      : {
          ...route,
          handle: (ctx) => {
            const unique = upsertTarget.exec(ctx.path)?.[1];
            const creatingApp =
              route.operation === 'applications.create' ||
              (route.method === 'PATCH' &&
                unique !== undefined &&
                prefersCreate(ctx.request) &&
                rt.state.applicationByUniqueName(unquote(unique)) === undefined);
            return refusal(ctx, creatingApp) ?? route.handle(ctx);
          },
        };
  return [
    {
      // authorizationpolicy-get.md (v1.0): whether ordinary users may register applications.
      method: 'GET',
      pattern: /^\/policies\/authorizationPolicy\/?$/i,
      operation: 'authorizationPolicy.get',
      handle: () =>
        json({
          '@odata.context': `${rt.options.baseUrls.graph}/$metadata#policies/authorizationPolicy/$entity`,
          id: 'authorizationPolicy',
          allowInvitesFrom: 'everyone',
          allowedToSignUpEmailBasedSubscriptions: true,
          allowedToUseSSPR: true,
          allowEmailVerifiedUsersToJoinOrganization: true,
          allowUserConsentForRiskyApps: false,
          blockMsolPowerShell: null,
          displayName: 'Authorization Policy',
          description: 'Used to manage authorization related settings across the company.',
          defaultUserRolePermissions: {
            allowedToCreateApps: rt.permissions.allowedToCreateApps,
            allowedToCreateSecurityGroups: true,
            allowedToReadOtherUsers: true,
            permissionGrantPoliciesAssigned: ['just-user-read'],
          },
        }),
    },
    ...baseGraphRoutes(rt).map(guarded),
  ];
}
