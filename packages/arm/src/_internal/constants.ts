/** The one api-version every Microsoft.Authorization call uses (docs/reference/arm.md). */
export const API_VERSION = '2022-04-01';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a GUID in the 8-4-4-4-12 form ARM uses for ids and names. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * The request path of a Microsoft.Authorization resource below `scope`:
 * `/{scope}/providers/Microsoft.Authorization/{collection}[/{name}]`. The scope's leading and
 * trailing slashes are dropped first (docs/reference/arm.md: the path template has no slash before `{scope}`),
 * so a joined path never holds `//`; each segment is percent-encoded.
 */
export function authorizationPath(scope: string, collection: 'roleAssignments' | 'roleDefinitions' | 'permissions', name?: string): string {
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${idPath(scope)}/providers/Microsoft.Authorization/${collection}${tail}`;
}

/** A fully-qualified ARM id as a request path: one leading `/`, segments percent-encoded. */
export function idPath(id: string): string {
  const segments = id.replace(/^\/+|\/+$/g, '').split('/');
  return segments[0] === '' ? '' : `/${segments.map(encodeURIComponent).join('/')}`;
}
