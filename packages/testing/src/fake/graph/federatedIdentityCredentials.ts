/**
 * `/applications/{key}/federatedIdentityCredentials` (Graph v1.0) in the fake: the limits and name
 * rules of federated identity credentials, the upsert by name with `Prefer: create-if-missing`, and
 * 409 for concurrent writes on one application (docs/reference/graph.md §5).
 */
import { serviceError, type RouteContext } from '../../_router';
import { TOKEN_EXCHANGE_AUDIENCE } from '../federation';
import { parseFilter } from '../_query';
import { isRecord, json, noContent } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import type { FakeApplication, FakeFederatedCredential } from '../state';
import {
  APP,
  appKey,
  duplicate,
  findApp,
  invalid,
  LITERAL,
  matches,
  notFound,
  odataContext,
  prefersCreate,
  unquote,
  unsupportedQuery,
} from './_common';

/** `/federatedIdentityCredentials/{idOrName}` or `(name='…')`: groups idOrName, name. */
const FIC = String.raw`/federatedIdentityCredentials(?:/([^/()]+)|\(name=${LITERAL}\))`;
const MAX_FICS_PER_APP = 20;
const FIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;
const MAX_FIC_FIELD = 600;
const FIC_PROPERTIES = new Set(['name', 'issuer', 'subject', 'audiences', 'description']);

function ficNotFound([idOrName, name]: readonly string[]): Response {
  return serviceError(
    'graph',
    404,
    'Request_ResourceNotFound',
    `FederatedIdentityCredential with name ${idOrName || unquote(name ?? '')} not found.`,
  );
}

export function federatedIdentityCredentialRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const base = (): string => rt.options.baseUrls.graph;

  const ficJson = (app: FakeApplication, fic: FakeFederatedCredential): Record<string, unknown> => ({
    '@odata.id': `${new URL(base()).origin}/v2/${state.tenantId}/directoryObjects/$/Microsoft.DirectoryServices.Application('${app.id}')/federatedIdentityCredentials/${fic.id}`,
    id: fic.id,
    name: fic.name,
    issuer: fic.issuer,
    subject: fic.subject,
    description: fic.description,
    audiences: [...fic.audiences],
  });

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
    json(
      { '@odata.context': odataContext(rt, `applications('${app.id}')/federatedIdentityCredentials/$entity`), ...ficJson(app, fic) },
      status,
    );

  // Graph answers concurrent FIC writes on one parent with 409 (docs/reference/graph.md §5, documented for managed
  // identities); the code for applications is unconfirmed.
  const ficLock = (ctx: RouteContext): string => `fic/${findApp(state, ctx.params)?.id ?? appKey(ctx.params)}`;
  const ficConflict = (): Response =>
    serviceError(
      'graph',
      409,
      'ConcurrentFederatedIdentityCredentialsWrites',
      'Concurrent federated identity credential writes under the same application are not supported.',
    );

  return [
    {
      method: 'GET',
      pattern: new RegExp(`^${APP}/federatedIdentityCredentials/?$`, 'i'),
      operation: 'federatedIdentityCredentials.list',
      handle: (ctx) => {
        const app = findApp(state, ctx.params);
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
        return json({ '@odata.context': odataContext(rt, `applications('${app.id}')/federatedIdentityCredentials`), value: rows });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${APP}/federatedIdentityCredentials/?$`, 'i'),
      operation: 'federatedIdentityCredentials.create',
      lock: ficLock,
      conflict: ficConflict,
      handle: (ctx) => {
        const app = findApp(state, ctx.params);
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
        const app = findApp(state, ctx.params);
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
        const app = findApp(state, ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        const [, byName] = ctx.params.slice(3);
        const fic = findFic(app, ctx.params.slice(3));
        if (fic) {
          const bad = checkFic(app, ctx.body ?? {}, fic, undefined);
          if (bad) return bad;
          writeFic(fic, (ctx.body ?? {}) as Record<string, unknown>);
          return noContent();
        }
        // Upsert (https://learn.microsoft.com/graph/api/federatedidentitycredential-upsert): by name, with Prefer: create-if-missing.
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
        const app = findApp(state, ctx.params);
        if (!app) return notFound(appKey(ctx.params));
        const fic = findFic(app, ctx.params.slice(3));
        if (!fic) return ficNotFound(ctx.params.slice(3));
        state.deleteFederatedCredential(app.id, fic.id);
        return noContent();
      },
    },
  ];
}
