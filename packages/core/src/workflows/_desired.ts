/**
 * What a spec connection wants, as the inputs of each resource's decision: one function per
 * resource, used by `plan` and by `apply` alike, so both compare against the same desired state.
 * @internal
 */
import { CONNECTION_MARKER, hasMarker } from '../constants';
import type { ConnectionSpecInput } from '../steps/createManualConnection';

export { CONNECTION_MARKER, hasMarker };
import type { DesiredConnection, ResolvedSpec } from '../spec/load';

/** The description with wif's marker at its end (added once). */
export function withMarker(description: string | undefined): string {
  const d = (description ?? '').trim();
  return d.endsWith(CONNECTION_MARKER) ? d : d ? `${d} ${CONNECTION_MARKER}` : CONNECTION_MARKER;
}

/** The app's desired state: its names, and notes saying which connection it serves (an adopted app: its `appId`, and nothing is changed on it). */
export function desiredApp(
  spec: ResolvedSpec,
  c: DesiredConnection,
): { displayName: string; uniqueName: string; notes: string; appId?: string } {
  return { ...c.app, notes: `Azure DevOps service connection ${spec.organization}/${c.project}/${c.name} (managed by wif).` };
}

/**
 * Whether a connection bound to the connection's app under another name is taken for this one,
 * renamed: yes for an app wif made for it (one app per connection); no for an adopted app, which
 * other connections made by hand may share (plan and apply ask this one function).
 */
export function findsRenamedConnection(c: DesiredConnection): boolean {
  return c.app.appId === undefined;
}

/**
 * The connection's desired state, for an app id (empty while the app does not exist). A connection
 * on a managed identity passes the identity's `clientId` and `tenantId`.
 */
export function desiredConnectionInput(
  spec: ResolvedSpec,
  c: DesiredConnection,
  appId: string,
  tenantId: string = spec.tenantId,
): ConnectionSpecInput {
  return {
    project: c.project,
    name: c.name,
    tenantId,
    appId,
    target: c.target,
    cloud: spec.cloud,
    description: withMarker(c.description),
  };
}

/** A readable name for the pipeline permission of a connection. */
export function describePipelines(c: Pick<DesiredConnection, 'pipelines'>): string {
  return Array.isArray(c.pipelines) ? `pipelines ${c.pipelines.join(', ')}` : 'all pipelines';
}

/**
 * The sharing decision, one for plan and apply: the projects of `wanted` that `refs` (the
 * connection's project references) lack, and the action: `create` when the connection is in one
 * project only (its first share), `update` when it is shared already, `unchanged` when nothing lacks. Pure.
 */
export function decideShare(
  wanted: readonly string[],
  refs: readonly { readonly id?: string | undefined; readonly name?: string | undefined }[],
): { readonly missing: string[]; readonly action: 'create' | 'update' | 'unchanged' } {
  const has = (p: string): boolean => refs.some((r) => [r.id, r.name].some((x) => x?.toLowerCase() === p.toLowerCase()));
  const missing = wanted.filter((p) => !has(p));
  return { missing, action: missing.length === 0 ? 'unchanged' : refs.length <= 1 ? 'create' : 'update' };
}
