/**
 * A connection on a managed identity renamed in the portal. A connection on its own app is found
 * under another name through the app (one app, one connection). A managed identity may serve
 * several connections, so a connection bound to it under another name is this one only when
 * nothing else can be meant:
 *
 * - of the spec's connections on that identity in that project, exactly this one is missing by name;
 * - exactly one connection of the project is bound to the identity (`serviceprincipalid` is its
 *   client id), carries wif's marker and has a name no spec connection of the project claims.
 *
 * Otherwise nothing is paired: the missing connection is created and the unclaimed one stays an
 * orphan (kept, or deleted by `--prune`), as before. `plan` decides it from the project's list of
 * connections; `apply` renames back exactly the connection the plan named (by id), never one it
 * would pair from a later reading (its own new connections could change the count)
 * (docs/decisions/034-renamed-connection-on-a-shared-identity.md). @internal
 */
import { authParameter, type ServiceEndpoint } from '@wif/devops';
import { identityKey } from '../_internal/identityNames';
import type { DesiredConnection, DesiredManagedIdentity, ResolvedSpec } from '../spec/load';
import { hasMarker } from './_desired';
import type { ConnectionPlan } from './plan';

type Project = { readonly id: string; readonly name: string };

const lower = (s: string | null | undefined): string => (s ?? '').toLowerCase();
/** Whether two spec identities are the same resource (ARM names are case-insensitive). */
export const sameIdentity = (a: DesiredManagedIdentity, b: DesiredManagedIdentity): boolean => identityKey(a) === identityKey(b);
const inProject = (c: DesiredConnection, project: Project): boolean =>
  lower(c.project) === lower(project.name) || lower(c.project) === lower(project.id);

/**
 * Whether `e` could be a connection of the spec renamed by hand on the identity `clientId`: workload
 * identity federation, bound to the identity, in the project, with wif's marker, under a name no spec
 * connection of the project claims. Pure.
 */
export function unclaimedOnIdentity(spec: ResolvedSpec, project: Project, clientId: string, e: ServiceEndpoint): boolean {
  return (
    lower(e.authorization?.scheme) === 'workloadidentityfederation' &&
    lower(authParameter(e, 'serviceprincipalid')) === lower(clientId) &&
    hasMarker(e.description) &&
    (e.serviceEndpointProjectReferences ?? []).some((r) => r.projectReference?.id === project.id) &&
    !spec.connections.some((c) => inProject(c, project) && lower(c.name) === lower(e.name))
  );
}

/**
 * The connection `c` (on a managed identity whose client id is `clientId`) was renamed to, among
 * `all`, the project's Azure Resource Manager connections; `undefined` when there is none or more
 * than one thing could be meant (see the module's comment). Pure.
 */
export function renamedOnIdentity(
  spec: ResolvedSpec,
  c: DesiredConnection,
  clientId: string,
  project: Project,
  all: readonly ServiceEndpoint[],
): ServiceEndpoint | undefined {
  const mi = c.managedIdentity;
  if (!mi) return undefined;
  const missing = spec.connections.filter(
    (x) =>
      x.managedIdentity &&
      sameIdentity(x.managedIdentity, mi) &&
      inProject(x, project) &&
      !all.some((e) => lower(e.name) === lower(x.name)),
  );
  if (missing.length !== 1 || missing[0]!.key !== c.key) return undefined;
  const candidates = all.filter((e) => unclaimedOnIdentity(spec, project, clientId, e));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * The ids of the connections in `all` that {@link renamedOnIdentity} pairs with a connection of the
 * spec in `project`: they are not orphans. `clientIdOf` gives an identity's client id, `undefined`
 * while it does not exist. Pure.
 */
export function pairedOnIdentities(
  spec: ResolvedSpec,
  project: Project,
  all: readonly ServiceEndpoint[],
  clientIdOf: (mi: DesiredManagedIdentity) => string | undefined,
): Set<string> {
  const ids = new Set<string>();
  for (const c of spec.connections) {
    const clientId = c.managedIdentity && inProject(c, project) ? clientIdOf(c.managedIdentity) : undefined;
    const e = clientId ? renamedOnIdentity(spec, c, clientId, project, all) : undefined;
    if (e) ids.add(lower(e.id));
  }
  return ids;
}

/**
 * The connection a plan adopts under another name (its id, and the name it has now): its service
 * connection planned as a change of an existing connection whose name differs beyond letter case.
 * `undefined` for a connection found by its name (or to be created).
 */
export function plannedRenameOf(plan: Pick<ConnectionPlan, 'name' | 'resources'>): { id: string; from: string } | undefined {
  const row = plan.resources.find((r) => r.kind === 'serviceConnection' && r.action === 'update' && r.id !== undefined);
  const from = row?.changes.find((ch) => ch.field === 'name')?.from;
  return row?.id && from && lower(from) !== lower(plan.name) ? { id: row.id, from } : undefined;
}
