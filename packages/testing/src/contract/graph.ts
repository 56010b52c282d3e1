/**
 * Contract handlers for Microsoft Graph v1.0: applications, servicePrincipals and the federated
 * identity credentials of an application (docs/reference/graph.md). Stateless: happy paths answer from the
 * official examples in `fixtures/graph-*.json`, echoing the keys and fields of the request the way
 * Graph does; wrong requests get Graph's error body. Error cases that need state (an existing
 * application, a duplicate) are per-test `server.use(...)` overrides.
 *
 * Error *codes* follow docs/reference/graph.md §2, §5, §6; the exact wording of Graph's validation messages is not
 * documented and is marked where it is a best guess.
 */
import { HttpResponse, type HttpHandler } from 'msw';
import * as z from 'zod';
import { loadFixture } from '../fixtures';
import { badRequest, type RequestLogEntry, type Route, type RouteContext, serviceError, serviceRouter } from '../_router';

export interface GraphContractOptions {
  /** Base URL the handlers serve (default: the public-cloud endpoint). */
  readonly baseUrl?: string;
  /** Receives every request that reached a route. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /** `defaultUserRolePermissions.allowedToCreateApps` of `GET /policies/authorizationPolicy` (default: the example's `true`). */
  readonly allowedToCreateApps?: boolean;
}

const DEFAULT_BASE_URL = 'https://graph.microsoft.com/v1.0';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An OData string literal in a key segment: `'…'` with `''` for a quote. */
const KEY = "'((?:[^']|'')*)'";

type Entity = Record<string, unknown>;

function exampleBody(name: string): Entity {
  return loadFixture<{ response: { body: Entity } }>(name).response.body;
}

function withoutAnnotations(entity: Entity): Entity {
  return Object.fromEntries(Object.entries(entity).filter(([k]) => !k.startsWith('@odata.')));
}

function unquote(literal: string): string {
  return literal.replaceAll("''", "'");
}

function notFound(key: string): Response {
  return serviceError(
    'graph',
    404,
    'Request_ResourceNotFound',
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

function invalidObjectId(id: string): Response | undefined {
  return GUID.test(id) ? undefined : serviceError('graph', 400, 'Request_BadRequest', `Invalid object identifier '${id}'.`);
}

/** Validates a JSON body; Graph answers `400 Request_BadRequest` (message wording: best guess). */
function parseBody<S extends z.ZodType>(schema: S, body: unknown): { ok: true; value: z.output<S> } | { ok: false; response: Response } {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  return {
    ok: false,
    response: badRequest(
      'graph',
      path ? `Invalid value for property '${path}': ${issue?.message}` : `Invalid request body: ${issue?.message}`,
    ),
  };
}

const signInAudience = z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']);
const applicationFields = {
  signInAudience: signInAudience.optional(),
  tags: z.array(z.string()).optional(),
  notes: z.string().nullish(),
  description: z.string().max(1024).nullish(),
};
/** Create (upsert) body: `displayName` is the only required property (docs/reference/graph.md §1). */
const applicationCreate = z.strictObject({ displayName: z.string().min(1), ...applicationFields });
const applicationPatch = z.strictObject({ displayName: z.string().min(1).optional(), ...applicationFields });
/** `appId` is the only required property (docs/reference/graph.md §4). */
const servicePrincipalCreate = z.looseObject({
  appId: z.string().regex(GUID, 'appId must be a GUID'),
  tags: z.array(z.string()).optional(),
});

const FIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;
const TOKEN_EXCHANGE_AUDIENCES = ['api://AzureADTokenExchange', 'api://AzureADTokenExchangeUSGov', 'api://AzureADTokenExchangeChina'];
const ficText = z.string().min(1).max(600);
const ficCreate = z.strictObject({
  name: z.string(),
  issuer: ficText,
  subject: ficText,
  audiences: z.array(ficText),
  description: z.string().max(600).nullish(),
});
const ficPatch = z.strictObject({
  issuer: ficText.optional(),
  subject: ficText.optional(),
  audiences: z.array(ficText).optional(),
  description: z.string().max(600).nullish(),
});

/** The documented FIC rules with the documented messages (docs/reference/graph.md §5). */
function ficRules(body: { name?: string; audiences?: readonly string[] | undefined }): Response | undefined {
  if (body.name !== undefined && !FIC_NAME.test(body.name)) {
    return badRequest('graph', `Federated Identity Credential name '${body.name}' is invalid.`);
  }
  if (body.audiences !== undefined && body.audiences.length !== 1) {
    return badRequest('graph', 'Federated identity credentials must have exactly one audience.');
  }
  // Graph stores any audience, but the token exchange then fails (AADSTS700212): these handlers
  // accept only the token-exchange audiences of the three clouds, so a client that sends another shows.
  // https://learn.microsoft.com/graph/api/resources/federatedidentitycredential#properties
  if (body.audiences !== undefined && !TOKEN_EXCHANGE_AUDIENCES.includes(body.audiences[0] ?? '')) {
    return badRequest(
      'graph',
      `Audience '${body.audiences[0] ?? ''}' is not a token-exchange audience (${TOKEN_EXCHANGE_AUDIENCES.join(', ')}).`,
    );
  }
  return undefined;
}

/** `$select`: unknown properties are rejected, as Graph does. */
function selectFields(
  query: URLSearchParams,
  known: ReadonlySet<string>,
  type: string,
): { ok: true; fields?: string[] } | { ok: false; response: Response } {
  const raw = query.get('$select');
  if (raw === null) return { ok: true };
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.find((f) => !known.has(f));
  if (unknown !== undefined) {
    return { ok: false, response: badRequest('graph', `Could not find a property named '${unknown}' on type 'microsoft.graph.${type}'.`) };
  }
  return { ok: true, fields };
}

function pick(entity: Entity, fields: readonly string[] | undefined): Entity {
  return fields ? Object.fromEntries(fields.filter((f) => f in entity).map((f) => [f, entity[f]])) : entity;
}

/**
 * `$filter` with `prop eq 'value'` clauses joined by `and`: enough for the lookups wif makes
 * (`displayName`, `appId`, `uniqueName`). Anything else is answered as Graph answers an
 * unsupported clause.
 */
function applyFilter(
  items: readonly Entity[],
  filter: string | null,
  type: string,
): { ok: true; items: Entity[] } | { ok: false; response: Response } {
  if (filter === null) return { ok: true, items: [...items] };
  const clauses = filter.split(/\s+and\s+/i).map((c) => new RegExp(`^\\s*(\\w+)\\s+eq\\s+${KEY}\\s*$`).exec(c));
  if (clauses.some((c) => c === null)) {
    return {
      ok: false,
      response: serviceError(
        'graph',
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified for resource '${type}'.`,
      ),
    };
  }
  const matches = (e: Entity): boolean => clauses.every((c) => String(e[c![1]!]) === unquote(c![2]!));
  return { ok: true, items: items.filter(matches) };
}

export function graphContractHandlers(options: GraphContractOptions = {}): HttpHandler[] {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const origin = new URL(baseUrl).origin;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(baseUrl).hostname);
  // Tokens for the emulator are requested with the public-cloud scope.
  const audience = loopback ? 'https://graph.microsoft.com' : origin;

  const upserted = exampleBody('graph-v1.0-application-upsert-create.json');
  const fullApplication = withoutAnnotations(upserted);
  const applications = [fullApplication, withoutAnnotations(exampleBody('graph-v1.0-application-get-by-appId-select.json'))];
  const applicationProperties = new Set([...Object.keys(fullApplication), 'notes', 'description']);
  const servicePrincipalCreated = exampleBody('graph-v1.0-servicePrincipal-create.json');
  const servicePrincipal = withoutAnnotations(servicePrincipalCreated);
  const servicePrincipalProperties = new Set(Object.keys(servicePrincipal));
  const ficCreated = exampleBody('graph-v1.0-federatedIdentityCredential-create.json');
  const ficList = exampleBody('graph-v1.0-federatedIdentityCredential-list.json');
  const FIXTURE_APP_OBJECT_ID = 'bcd7c908-1c4d-4d48-93ee-ff38349a75c8';

  /** The fixture application with this key, or the full fixture echoing the key. */
  const findApplication = (field: 'id' | 'appId' | 'uniqueName', value: string): Entity =>
    applications.find((a) => String(a[field]).toLowerCase() === value.toLowerCase()) ?? { ...fullApplication, [field]: value };

  const single = (type: string, entity: Entity, fields: readonly string[] | undefined): Response =>
    HttpResponse.json({
      '@odata.context': `${baseUrl}/$metadata#${type}${fields ? `(${fields.join(',')})` : ''}/$entity`,
      ...pick(entity, fields),
    });

  /** A collection page: `$top` (1–999) sets the page size; the next link carries an opaque `$skiptoken`. */
  const collection = (ctx: RouteContext, type: string, items: readonly Entity[], known: ReadonlySet<string>): Response => {
    const selected = selectFields(ctx.query, known, type.replace(/s$/, ''));
    if (!selected.ok) return selected.response;
    const filtered = applyFilter(items, ctx.query.get('$filter'), type);
    if (!filtered.ok) return filtered.response;
    const top = ctx.query.get('$top');
    const size = top === null ? 100 : Number(top);
    if (!Number.isInteger(size) || size < 1 || size > 999) {
      return serviceError(
        'graph',
        400,
        'Request_UnsupportedQuery',
        `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
      );
    }
    const token = ctx.query.get('$skiptoken');
    const offset = token === null ? 0 : Number(/^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString())?.[1] ?? NaN);
    if (!Number.isInteger(offset)) return badRequest('graph', `Invalid $skiptoken '${token}'.`);
    const page = filtered.items.slice(offset, offset + size).map((e) => pick(e, selected.fields));
    let nextLink: string | undefined;
    if (offset + size < filtered.items.length) {
      // Graph's next links keep the request's query as sent and add an opaque `$skiptoken`.
      const kept = ctx.url.search
        .slice(1)
        .split('&')
        .filter((p) => p !== '' && !/^(\$|%24)skiptoken=/i.test(p));
      const skiptoken = `$skiptoken=${Buffer.from(`offset:${offset + size}`).toString('base64url')}`;
      nextLink = `${ctx.url.origin}${ctx.url.pathname}?${[...kept, skiptoken].join('&')}`;
    }
    return HttpResponse.json({
      '@odata.context': `${baseUrl}/$metadata#${type}`,
      value: page,
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
    });
  };

  const routes: Route[] = [
    {
      // https://learn.microsoft.com/graph/api/authorizationpolicy-get (v1.0) example: graph-v1.0-authorizationPolicy-get.json.
      method: 'GET',
      pattern: /^\/policies\/authorizationPolicy$/i,
      operation: 'getAuthorizationPolicy',
      handle: () => {
        const body = structuredClone(exampleBody('graph-v1.0-authorizationPolicy-get.json'));
        if (options.allowedToCreateApps !== undefined) {
          body['defaultUserRolePermissions'] = {
            ...(body['defaultUserRolePermissions'] as Entity),
            allowedToCreateApps: options.allowedToCreateApps,
          };
        }
        return HttpResponse.json(body);
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/applications\\(uniqueName=${KEY}\\)$`, 'i'),
      operation: 'upsertApplication',
      handle: ({ request, params, body }) => {
        const uniqueName = unquote(params[0]!);
        // Without the header an absent application is 404 (docs/reference/graph.md §1); this handler has no state,
        // so every application is absent: an existing one (204) is a per-test override.
        const prefer = (request.headers.get('prefer') ?? '').split(',').map((p) => p.trim().toLowerCase());
        if (!prefer.includes('create-if-missing')) return notFound(uniqueName);
        const parsed = parseBody(applicationCreate, body);
        if (!parsed.ok) return parsed.response;
        const { displayName, signInAudience: audienceValue, tags, notes, description } = parsed.value;
        return HttpResponse.json(
          {
            ...upserted,
            uniqueName,
            displayName,
            signInAudience: audienceValue ?? upserted['signInAudience'],
            tags: tags ?? [],
            notes: notes ?? null,
            description: description ?? null,
          },
          { status: 201 },
        );
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/applications\\((appId|uniqueName)=${KEY}\\)$`, 'i'),
      operation: 'getApplication',
      handle: ({ params, query }) => {
        const selected = selectFields(query, applicationProperties, 'application');
        if (!selected.ok) return selected.response;
        const field = params[0]!.toLowerCase() === 'appid' ? 'appId' : 'uniqueName';
        return single('applications', findApplication(field, unquote(params[1]!)), selected.fields);
      },
    },
    {
      method: 'GET',
      pattern: /^\/applications\/([^/()]+)$/i,
      operation: 'getApplication',
      handle: ({ params, query }) => {
        const id = params[0]!;
        const selected = selectFields(query, applicationProperties, 'application');
        if (!selected.ok) return selected.response;
        return invalidObjectId(id) ?? single('applications', findApplication('id', id), selected.fields);
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/applications\/([^/()]+)$/i,
      operation: 'updateApplication',
      handle: ({ params, body }) => {
        const invalid = invalidObjectId(params[0]!);
        if (invalid) return invalid;
        const parsed = parseBody(applicationPatch, body);
        return parsed.ok ? new HttpResponse(null, { status: 204 }) : parsed.response;
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/applications\/([^/()]+)$/i,
      operation: 'deleteApplication',
      handle: ({ params }) => invalidObjectId(params[0]!) ?? new HttpResponse(null, { status: 204 }),
    },
    {
      method: 'GET',
      pattern: /^\/applications\/?$/i,
      operation: 'listApplications',
      handle: (ctx) => collection(ctx, 'applications', applications, applicationProperties),
    },
    {
      method: 'POST',
      pattern: /^\/servicePrincipals\/?$/i,
      operation: 'createServicePrincipal',
      handle: ({ body }) => {
        const parsed = parseBody(servicePrincipalCreate, body);
        if (!parsed.ok) return parsed.response;
        return HttpResponse.json(
          { ...servicePrincipalCreated, appId: parsed.value.appId, tags: parsed.value.tags ?? servicePrincipal['tags'] },
          { status: 201 },
        );
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/servicePrincipals\\(appId=${KEY}\\)$`, 'i'),
      operation: 'getServicePrincipal',
      handle: ({ params }) => single('servicePrincipals', { ...servicePrincipal, appId: unquote(params[0]!) }, undefined),
    },
    {
      method: 'GET',
      pattern: /^\/servicePrincipals\/([^/()]+)$/i,
      operation: 'getServicePrincipal',
      handle: ({ params }) =>
        invalidObjectId(params[0]!) ?? single('servicePrincipals', { ...servicePrincipal, id: params[0]! }, undefined),
    },
    {
      method: 'DELETE',
      pattern: /^\/servicePrincipals\/([^/()]+)$/i,
      operation: 'deleteServicePrincipal',
      handle: ({ params }) => invalidObjectId(params[0]!) ?? new HttpResponse(null, { status: 204 }),
    },
    {
      method: 'GET',
      pattern: /^\/servicePrincipals\/?$/i,
      operation: 'listServicePrincipals',
      handle: (ctx) => collection(ctx, 'servicePrincipals', [servicePrincipal], servicePrincipalProperties),
    },
    {
      method: 'GET',
      pattern: /^\/applications\/([^/()]+)\/federatedIdentityCredentials\/?$/i,
      operation: 'listFederatedIdentityCredentials',
      handle: ({ params }) => {
        const appId = params[0]!;
        return invalidObjectId(appId) ?? HttpResponse.json(JSON.parse(JSON.stringify(ficList).replaceAll(FIXTURE_APP_OBJECT_ID, appId)));
      },
    },
    {
      method: 'POST',
      pattern: /^\/applications\/([^/()]+)\/federatedIdentityCredentials\/?$/i,
      operation: 'createFederatedIdentityCredential',
      handle: ({ params, body }) => {
        const appId = params[0]!;
        const invalid = invalidObjectId(appId);
        if (invalid) return invalid;
        const parsed = parseBody(ficCreate, body);
        if (!parsed.ok) return parsed.response;
        const broken = ficRules(parsed.value);
        if (broken) return broken;
        const echo = JSON.parse(JSON.stringify(ficCreated).replaceAll(FIXTURE_APP_OBJECT_ID, appId)) as Entity;
        return HttpResponse.json({ ...echo, ...parsed.value, description: parsed.value.description ?? null }, { status: 201 });
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/applications\/([^/()]+)\/federatedIdentityCredentials\/([^/()]+)$/i,
      operation: 'updateFederatedIdentityCredential',
      handle: ({ params, body }) => {
        const invalid = invalidObjectId(params[0]!);
        if (invalid) return invalid;
        // `name` is immutable after create (docs/reference/graph.md §5); the message wording is a best guess.
        if (body !== null && typeof body === 'object' && 'name' in body) {
          return badRequest('graph', "Property 'name' is read-only and cannot be changed.");
        }
        const parsed = parseBody(ficPatch, body);
        if (!parsed.ok) return parsed.response;
        return ficRules(parsed.value) ?? new HttpResponse(null, { status: 204 });
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/applications\/([^/()]+)\/federatedIdentityCredentials\/([^/()]+)$/i,
      operation: 'deleteFederatedIdentityCredential',
      handle: ({ params }) => invalidObjectId(params[0]!) ?? new HttpResponse(null, { status: 204 }),
    },
  ];

  return [serviceRouter({ service: 'graph', baseUrl, audience, routes, ...(options.onRequest ? { onRequest: options.onRequest } : {}) })];
}
