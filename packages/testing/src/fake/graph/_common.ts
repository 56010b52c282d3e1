/**
 * What the Microsoft Graph resources of the fake share: OData key syntax, Graph's error bodies,
 * `$filter`/`$select`/`$top`/`$skiptoken` on collections and the lookup of an application by key.
 */
import { serviceError, type RouteContext } from '../../_router';
import { nextPageUrl, parseFilter, readPageToken, type FilterClause } from '../_query';
import { json, selectProperties } from '../_respond';
import type { FakeRuntime } from '../options';
import type { FakeApplication, FakeState } from '../state';

export const LITERAL = String.raw`'((?:[^']|'')*)'`;
/** `/applications/{id}` or `/applications(appId='…')` / `(uniqueName='…')`: groups id, key, value. */
export const APP = String.raw`/applications(?:/([^/()]+)|\((appId|uniqueName)=${LITERAL}\))`;
const DEFAULT_PAGE = 100;

export const INFO = { termsOfServiceUrl: null, supportUrl: null, privacyStatementUrl: null, marketingUrl: null, logoUrl: null };
export const VERIFIED_PUBLISHER = { displayName: null, verifiedPublisherId: null, addedDateTime: null };

export const unquote = (s: string): string => s.replace(/''/g, "'");
export const prefersCreate = (request: Request): boolean => /\bcreate-if-missing\b/i.test(request.headers.get('prefer') ?? '');
export const notFound = (key: string): Response =>
  serviceError(
    'graph',
    404,
    'Request_ResourceNotFound',
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
export const invalid = (message: string): Response => serviceError('graph', 400, 'Request_BadRequest', message);
export const unsupportedQuery = (): Response => serviceError('graph', 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
// docs/reference/graph.md §4/§5: the status of a duplicate key is unconfirmed (observed 400 or 409); the fake answers
// 409 with the observed code. Callers should branch on the code, not the status.
export const duplicate = (message: string): Response => serviceError('graph', 409, 'Request_MultipleObjectsWithSameKeyValue', message);

export function matches(clauses: readonly FilterClause[], props: Record<string, unknown>, caseSensitive = false): boolean | undefined {
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

/** `{graph base}/$metadata#{what}`: the `@odata.context` of an answer. */
export const odataContext = (rt: FakeRuntime, what: string): string => `${rt.options.baseUrls.graph}/$metadata#${what}`;

/** One entity, `$select` applied, with its `@odata.context`. */
export const entity = (rt: FakeRuntime, ctx: RouteContext, set: string, full: Record<string, unknown>, status = 200): Response => {
  const selected = selectProperties(full, ctx.query.get('$select'));
  if (!selected.ok)
    return invalid(`Could not find a property named '${selected.property}' on type 'microsoft.graph.${set.replace(/s$/, '')}'.`);
  const cols = ctx.query.get('$select') ? `(${Object.keys(selected.value).join(',')})` : '';
  return json({ '@odata.context': odataContext(rt, `${set}${cols}/$entity`), ...selected.value }, status);
};

/** A page of a directory collection: `$filter`, `$top`, `$skiptoken`, `$select`. */
export const collection = (rt: FakeRuntime, ctx: RouteContext, set: string, items: Array<Record<string, unknown>>): Response => {
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
    '@odata.context': odataContext(rt, set),
    value: page,
    ...(more ? { '@odata.nextLink': nextPageUrl(ctx.url, '$skiptoken', offset + top) } : {}),
  });
};

/** The application a `APP` match names (by id, appId or uniqueName). */
export const findApp = (state: FakeState, [id, key, value]: readonly string[]): FakeApplication | undefined => {
  if (id) return state.application(id);
  const v = unquote(value ?? '');
  return key?.toLowerCase() === 'appid' ? state.applicationByAppId(v) : state.applicationByUniqueName(v);
};
export const appKey = ([id, key, value]: readonly string[]): string => id || `${key}='${unquote(value ?? '')}'`;
