/**
 * What guards the old connection, copied onto the new one: its approvals and checks, and the
 * security roles assigned on it. Without this a migration would hand pipelines a connection with the
 * same Azure roles and none of the human approvals, branch controls or locks that gated the old one.
 *
 * The copy runs right after the new connection is created and before its credential is bound, so the
 * new connection is never usable without its guards. It converges: checks already on the new
 * connection are paired with the old ones of the same kind before anything is added, and roles are
 * set (a PUT per project), so a killed or repeated run adds nothing twice. `finish` runs it for a
 * migration journaled before this step existed, before the old connection goes. A guard changed on
 * the old connection after the copy is not followed: the new connection is the one to govern then.
 *
 * Checks: learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations?view=azure-devops-rest-7.1
 * Roles: learn.microsoft.com/rest/api/azure/devops/securityroles/roleassignments?view=azure-devops-rest-7.1
 */
import {
  type CheckConfiguration,
  createCheckConfiguration,
  deleteCheckConfiguration,
  getServiceEndpoint,
  SERVICE_ENDPOINT_ROLE_SCOPE,
  serviceEndpointRoleResource,
  setSecurityRoleAssignments,
} from '@wif/devops';
import { err, ok, type ResultAsync, safeTry } from 'neverthrow';
import { readConnectionData } from '../_internal/connectionData';
import { same } from '../_internal/compare';
import { checkKindName, definitionRefOf, readChecks } from '../governance/checks';
import { readRoles } from '../governance/securityRoles';
import type { MigrationError } from './errors';
import type { MigrationRecord } from './journal';
import { goneIsFine, type Run, type StepOutcome } from './_run';

type Governance = NonNullable<MigrationRecord['governance']>;

/** Two checks are of one kind when their type and, for Task Checks, their definition are the same. */
const kindKey = (c: Pick<CheckConfiguration, 'type' | 'settings'>): string =>
  `${c.type.id.toLowerCase()}/${(definitionRefOf(c).id ?? '').toLowerCase()}`;

function opts(run: Run): { abortSignal?: AbortSignal } {
  return run.options.abortSignal ? { abortSignal: run.options.abortSignal } : {};
}

/**
 * The copy. Checks are read and written through the migration's project: a check names its
 * resource by id, and whether one added through another project's route applies there only is not
 * documented (checks spec §9), so the old connection's checks are those its own project lists.
 */
export function copyGovernance(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const r = run.record;
  const devops = run.clients.devops;
  const project = r.project.id;
  const newId = r.connection!.id;
  return safeTry(async function* () {
    // --- checks: pair what the new connection already has (a run killed after a POST), then add the rest.
    const old = (yield* readChecks({ devops }, project, r.old.connectionId, opts(run))).sort((a, b) => a.id - b.id);
    const present = (yield* readChecks({ devops }, project, newId, opts(run))).sort((a, b) => a.id - b.id);
    const unpaired = new Map<string, CheckConfiguration[]>();
    for (const c of present) unpaired.set(kindKey(c), [...(unpaired.get(kindKey(c)) ?? []), c]);
    const checks: Governance['checks'][number][] = [];
    const notes: string[] = [];
    for (const c of old) {
      const name = checkKindName(c);
      const disabled = c.isDisabled === true;
      const copy = unpaired.get(kindKey(c))?.shift();
      if (copy) {
        checks.push({ from: c.id, id: copy.id, type: name, disabled: copy.isDisabled === true });
        continue;
      }
      // The settings as the service returned them (approvers, branches, inputs): a copy, not a translation.
      const created = yield* createCheckConfiguration(
        devops,
        project,
        {
          type: { id: c.type.id, ...(c.type.name ? { name: c.type.name } : {}) },
          resource: { type: 'endpoint', id: newId },
          settings: c.settings ?? {},
          ...(c.timeout != null ? { timeout: c.timeout } : {}),
          ...(disabled ? { isDisabled: true } : {}),
        },
        opts(run),
      ).mapErr((e) => ({
        ...e,
        // Which guard could not be copied (an approver since removed, a setting the service now refuses):
        // fix it on the old connection, or add it by hand to the new one, then resume.
        message: `Copying the ${name} check ${c.id} of "${r.old.name}" onto "${r.connection!.name}": ${e.message}`,
      }));
      checks.push({ from: c.id, id: created.id, type: name, disabled: created.isDisabled === true });
      if (disabled && created.isDisabled !== true)
        notes.push(
          `${name} check ${c.id} is disabled on "${r.old.name}" but its copy ${created.id} is enabled: disable it in the portal if that is intended.`,
        );
    }
    if (checks.some((c) => !['Approval', 'Exclusive lock', 'Branch control', 'Business hours'].includes(c.type)))
      notes.push(
        'Checks other than approvals, branch control, business hours and exclusive lock were copied as the API returned them: review them in the portal (a setting the API does not return, such as a function key, must be entered again).',
      );

    // --- security roles: what was assigned on the old connection, per project it is in; not inherited ones.
    const caller = (yield* readConnectionData(devops, opts(run))).authenticatedUser?.id ?? '';
    const roles: Governance['roles'][number][] = [];
    for (const p of r.old.projects.filter((x) => r.connection!.projects.some((y) => same(y.id, x.id)))) {
      const assigned = (yield* readRoles({ devops }, p.id, r.old.connectionId, opts(run))).filter((a) => a.access !== 'inherited');
      // The caller created the new connection and is its Administrator: never lower that mid-migration.
      const mine = assigned.find((a) => same(a.identity.id, caller));
      if (mine && mine.role.name !== 'Administrator')
        notes.push(
          `You hold ${mine.role.name} on "${r.old.name}" in ${p.name} and stay Administrator of "${r.connection!.name}", which you created.`,
        );
      const copies = assigned.filter((a) => !same(a.identity.id, caller));
      if (copies.length === 0) continue;
      const back = yield* setSecurityRoleAssignments(
        devops,
        SERVICE_ENDPOINT_ROLE_SCOPE,
        serviceEndpointRoleResource(p.id, newId),
        copies.map((a) => ({ roleName: a.role.name, userId: a.identity.id })),
        opts(run),
      );
      for (const a of copies) {
        const name = a.identity.displayName ?? a.identity.uniqueName ?? a.identity.id;
        // The service drops an identity it no longer knows (a deleted user) without an error.
        if (!back.some((b) => same(b.identity.id, a.identity.id))) {
          notes.push(
            `${name} holds ${a.role.name} on "${r.old.name}" in ${p.name}, but Azure DevOps did not accept it on the new connection (a removed identity?).`,
          );
          continue;
        }
        roles.push({ project: p, identityId: a.identity.id.toLowerCase(), name, role: a.role.name });
      }
    }
    const kinds = checks.map((c) => c.type);
    return ok({
      patch: { governance: { checks, roles } },
      message: `${checks.length} check(s) copied${kinds.length ? ` (${[...new Set(kinds)].join(', ')})` : ''}, ${roles.length} security role(s) copied`,
      notes,
    });
  });
}

/**
 * Rollback: the checks on the new connection go before the connection does (what happens to the
 * checks of a deleted connection is not documented: checks spec §9). All of them are this
 * migration's: it created the connection. None when the connection is already gone (a rollback run
 * again after it deleted it). Returns how many were deleted.
 */
export function deleteNewConnectionChecks(run: Run, connectionId: string): ResultAsync<number, MigrationError> {
  const devops = run.clients.devops;
  const project = run.record.project.id;
  return safeTry(async function* () {
    const there = await getServiceEndpoint(devops, project, connectionId, opts(run));
    if (there.isErr()) return there.error.kind === 'NotFound' ? ok(0) : err(there.error);
    const checks = yield* readChecks({ devops }, project, connectionId, opts(run));
    for (const c of checks) yield* goneIsFine(deleteCheckConfiguration(devops, project, c.id, opts(run)));
    return ok(checks.length);
  });
}
