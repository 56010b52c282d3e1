/**
 * The ARM scope grammar of specs/arm.md ("Scope grammar"): the four levels a role can be assigned
 * at. Pure functions, used to validate input before any request is sent.
 */
import { err, ok, type Result } from 'neverthrow';
import { validationError, type ValidationError } from '@wif/http';
import { isGuid } from './_internal/constants';

/** The level of a scope, from widest to narrowest. */
export type ScopeLevel = 'managementGroup' | 'subscription' | 'resourceGroup' | 'resource';

/** A scope that passed {@link parseScope}. */
export interface ParsedScope {
  readonly level: ScopeLevel;
  /**
   * The normalised scope: one leading `/`, no trailing `/`, the fixed segments in canonical case
   * (`subscriptions`, `resourceGroups`, `providers`, `Microsoft.Management/managementGroups`);
   * ids and names as given.
   */
  readonly scope: string;
  readonly subscriptionId?: string;
  readonly resourceGroupName?: string;
  readonly managementGroupId?: string;
  /** The resource provider namespace, e.g. `Microsoft.Web`. */
  readonly resourceProvider?: string;
  /** The resource type below the namespace; nested types joined by `/`, e.g. `sites/slots`. */
  readonly resourceType?: string;
  /** The resource name; nested names joined by `/`, e.g. `web1/staging`. */
  readonly resourceName?: string;
}

// Resource group names: 1-90 letters or digits (Unicode, as ARM's Char.IsLetterOrDigit), '_', '(',
// ')', '-', '.', not ending in '.'. Source: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
// (Microsoft.Resources/resourcegroups) and the ResourceGroups - Create Or Update reference.
const RESOURCE_GROUP_NAME = /^[\p{L}\p{N}_().-]{1,90}$/u;
// Management group ids: 1-90 alphanumerics, '-', '_', '.', '(', ')', not ending in '.' (resource-name-rules,
// Microsoft.Management/managementGroups, as summarised elsewhere: the stored copy of the official page predates
// that section, so this rule is not confirmed there).
const MANAGEMENT_GROUP_ID = /^[A-Za-z0-9_().-]{1,90}$/;
// A provider namespace is dotted: Microsoft.Web, Microsoft.DocumentDB, Dynatrace.Observability.
const PROVIDER_NAMESPACE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$/;
// Resource types are identifiers; resource names may hold more, but never URL syntax or '\'.
const RESOURCE_TYPE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const RESOURCE_NAME_FORBIDDEN = /[?#%\\\p{Cc}\p{Cf}]/u;

const GRAMMAR =
  'expected providers/Microsoft.Management/managementGroups/{id}, subscriptions/{guid}, ' +
  'subscriptions/{guid}/resourceGroups/{name}, or subscriptions/{guid}/resourceGroups/{name}/providers/{Namespace}/{type}/{name}[/{type}/{name}…]';

function fail(message: string): Result<ParsedScope, ValidationError> {
  return err(validationError([{ path: 'scope', message }]));
}

const same = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Parses and normalises a role-assignment scope (any of the four levels, with or without the
 * leading `/`; one trailing `/` is tolerated).
 *
 * @returns `Ok(ParsedScope)`, or `Err` of kind `Validation` with one problem at path `scope`
 *   explaining what is wrong (whitespace, an empty segment, a subscription id that is not a GUID,
 *   a resource group name or management group id ARM would reject, a malformed resource path).
 * @example
 * parseScope('/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourcegroups/rg1')
 * // Ok({ level: 'resourceGroup', scope: '/subscriptions/a925f2f7-…/resourceGroups/rg1', … })
 */
export function parseScope(input: string): Result<ParsedScope, ValidationError> {
  if (typeof input !== 'string' || input === '') return fail(`The scope is empty; ${GRAMMAR}.`);
  if (/\s/.test(input)) return fail('The scope contains whitespace; remove it (ARM scopes never contain spaces).');
  const body = input.replace(/^\//, '').replace(/\/$/, '');
  const s = body.split('/');
  if (body === '' || s.includes('')) return fail(`The scope has an empty segment ('//' or a leading/trailing '/'); ${GRAMMAR}.`);
  // A URL parser collapses '.' and '..' (also when percent-encoded): the request would reach another scope.
  if (s.some((seg) => seg === '.' || seg === '..')) {
    return fail(`The scope has a '.' or '..' segment; name the scope itself (the request would land on another scope).`);
  }

  if (same(s[0], 'providers')) {
    if (!same(s[1], 'Microsoft.Management') || !same(s[2], 'managementGroups') || s.length !== 4) {
      return fail(`'${input}' is not a management group scope; ${GRAMMAR}.`);
    }
    const id = s[3]!;
    if (!MANAGEMENT_GROUP_ID.test(id) || id.endsWith('.')) {
      return fail(`'${id}' is not a valid management group id: 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'.`);
    }
    return ok({ level: 'managementGroup', scope: `/providers/Microsoft.Management/managementGroups/${id}`, managementGroupId: id });
  }

  if (!same(s[0], 'subscriptions') || s.length < 2) return fail(`'${input}' is not a scope; ${GRAMMAR}.`);
  const subscriptionId = s[1]!;
  if (!isGuid(subscriptionId)) return fail(`'${subscriptionId}' is not a subscription id: it must be a GUID.`);
  const subscription = `/subscriptions/${subscriptionId}`;
  if (s.length === 2) return ok({ level: 'subscription', scope: subscription, subscriptionId });

  if (!same(s[2], 'resourceGroups') || s.length < 4) {
    return fail(`'${input}' is not a supported scope below a subscription; ${GRAMMAR}.`);
  }
  const resourceGroupName = s[3]!;
  if (!RESOURCE_GROUP_NAME.test(resourceGroupName) || resourceGroupName.endsWith('.')) {
    return fail(
      `'${resourceGroupName}' is not a valid resource group name: 1-90 letters, digits, '_', '(', ')', '-' or '.', not ending in '.'.`,
    );
  }
  const resourceGroup = `${subscription}/resourceGroups/${resourceGroupName}`;
  if (s.length === 4) return ok({ level: 'resourceGroup', scope: resourceGroup, subscriptionId, resourceGroupName });

  return parseResource(input, s.slice(4), { subscriptionId, resourceGroupName, resourceGroup });
}

function parseResource(
  input: string,
  rest: readonly string[],
  parent: { subscriptionId: string; resourceGroupName: string; resourceGroup: string },
): Result<ParsedScope, ValidationError> {
  const [providers, namespace, ...pairs] = rest;
  if (!same(providers, 'providers') || namespace === undefined) {
    return fail(`'${input}' is not a supported scope below a resource group; ${GRAMMAR}.`);
  }
  if (!PROVIDER_NAMESPACE.test(namespace)) {
    return fail(`'${namespace}' is not a resource provider namespace (e.g. Microsoft.Web).`);
  }
  if (same(namespace, 'Microsoft.Authorization')) {
    return fail(
      `'${input}' points into Microsoft.Authorization (role assignments or definitions), not at a resource a role can be granted on.`,
    );
  }
  if (pairs.length === 0 || pairs.length % 2 !== 0) {
    return fail(`The resource path after '${namespace}' must be {type}/{name} pairs, e.g. ${namespace}/sites/web1.`);
  }
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    const type = pairs[i]!;
    const name = pairs[i + 1]!;
    if (!RESOURCE_TYPE.test(type) || same(type, 'providers')) {
      return fail(`'${type}' is not a resource type; extension-resource scopes (a second 'providers' segment) are not supported.`);
    }
    if (RESOURCE_NAME_FORBIDDEN.test(name)) return fail(`The resource name '${name}' contains '?', '#', '%', '\\' or a control character.`);
    types.push(type);
    names.push(name);
  }
  return ok({
    level: 'resource',
    scope: `${parent.resourceGroup}/providers/${namespace}/${pairs.join('/')}`,
    subscriptionId: parent.subscriptionId,
    resourceGroupName: parent.resourceGroupName,
    resourceProvider: namespace,
    resourceType: types.join('/'),
    resourceName: names.join('/'),
  });
}

/** The comparable form of a scope: parsed and normalised when valid, else slashes trimmed; lowercase. */
function comparable(scope: string): string {
  const parsed = parseScope(scope);
  const normalised = parsed.isOk() ? parsed.value.scope : `/${scope.trim().replace(/^\/+|\/+$/g, '')}`;
  return normalised.toLowerCase();
}

/**
 * Whether two scopes name the same thing: case-insensitive after normalisation (ARM answers
 * `resourcegroups` where you sent `resourceGroups`, specs/arm.md).
 */
export function sameScope(a: string, b: string): boolean {
  return comparable(a) === comparable(b);
}

/**
 * Whether `inner` is at or below `outer`, segment-wise and case-insensitively. A management group
 * only contains itself here: which subscriptions sit below it needs a hierarchy lookup we do not make.
 */
export function scopeContains(outer: string, inner: string): boolean {
  const o = comparable(outer);
  const i = comparable(inner);
  if (o === i) return true;
  if (o === '/' || o.startsWith('/providers/microsoft.management/managementgroups/')) return false;
  return i.startsWith(`${o}/`);
}
