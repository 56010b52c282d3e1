import { BUILT_IN_ROLES, listRoleAssignments, parseScope, roleDefinitionGuid, scopeContains, type RoleAssignment } from '@wif/arm';
import {
  authParameter,
  getPipelinePermissions,
  getServiceEndpoint,
  getServiceEndpointsByNames,
  type ServiceEndpoint,
  workloadIdentity,
} from '@wif/devops';
import { getServicePrincipal, type ServicePrincipal } from '@wif/graph';
import { collect, type ValidationError } from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import type { WifError } from '../errors';
import { identityNameSchema, resourceGroupNameSchema } from '../_internal/identityNames';
import { verifyManagedIdentitySubject } from '../steps/verifyManagedIdentitySubject';
import { verifySubject } from '../steps/verifySubject';
import type { StepOptions } from '../types';
import { connectionNameSchema, guidSchema, isGuid, projectSchema, validate } from '../validation';
import type { WifClients } from '../workflows/clients';
import { identityOfPrincipal } from '../workflows/_identityRefs';
import { plannedRenameOf } from '../workflows/_identityRename';
import { planConnectionObserved } from '../workflows/plan';
import { checkResolvedSpec, type ResolvedSpec } from '../spec/load';
import type { Findings } from './_findings';
import { checkKindName, readChecks } from '../governance/checks';
import { type ArmDenial, assertionField, missingConnectionName, presented } from './_parse';
import type { Finding } from './_findings';
import type { MigrationRecord } from '../migration/journal';
import { same } from '../_internal/compare';
import { readText, unknownDiagnosis } from './diagnoseText';
import type { Diagnosis, DiagnosisCause } from './types';

/** What to diagnose: the error text, and optionally the connection it happened with. */
export interface DiagnoseInput {
  /** An AADSTS message, an Azure DevOps task error, a pipeline log excerpt, an ARM error. */
  readonly text: string;
  /** The project the failing pipeline runs in (name or id); needed for live checks. */
  readonly project?: string;
  /** The connection the pipeline uses, by id … */
  readonly connectionId?: string;
  /** … or by name (as in `azureSubscription:`). */
  readonly connectionName?: string;
  /**
   * The user-assigned managed identity the connection runs on, when it is not an app registration
   * (the spec says so: `identity: { kind: managedIdentity, … }`): its federated credentials are read
   * from ARM instead of Graph.
   */
  readonly managedIdentity?: { readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string };
  /**
   * The spec that names the connection (by `project` and `connectionName`). When the project has no
   * connection of that name, the connection is looked for as `plan` does, through its app or
   * identity: one found under another name was renamed (`ConnectionRenamed`). Reads only.
   */
  readonly spec?: ResolvedSpec;
  /**
   * The migrations of a journal (`listMigrations`). A connection the pipeline names that a
   * migration deleted — the old one after `finishMigration`, the new one after
   * `rollbackMigration` — is `ConnectionMigrated`, naming the connection to use instead: `likely`
   * from the text, `certain` when the project has no connection of that name.
   */
  readonly migrations?: readonly MigrationRecord[];
}

export type DiagnoseOptions = StepOptions;

const inputSchema = z.strictObject({
  text: z.string({ error: 'must be a string' }),
  project: projectSchema.optional(),
  connectionId: guidSchema.optional(),
  connectionName: connectionNameSchema.optional(),
  managedIdentity: z
    .strictObject({ subscriptionId: guidSchema, resourceGroup: resourceGroupNameSchema, name: identityNameSchema })
    .optional(),
  // Checked with checkResolvedSpec before use (a loader-made spec is not checked again).
  spec: z.custom<ResolvedSpec>((x) => typeof x === 'object' && x !== null).optional(),
  // Records read through the journal's own schema (listMigrations): not checked again.
  migrations: z.custom<readonly MigrationRecord[]>((x) => Array.isArray(x)).optional(),
});

/** Causes a live comparison of issuer, subject and audience settles. */
const MISMATCH: readonly DiagnosisCause[] = ['SubjectMismatch', 'IssuerMismatch', 'AudienceMismatch', 'NoFederatedCredentials'];
/** Causes that make the trust chain worth reading. */
const FEDERATION: readonly DiagnosisCause[] = [...MISMATCH, 'CredentialPropagation', 'MultiTenantApp', 'AppNotFound'];
const MAX_ASSIGNMENTS = 500;

type Opts = { abortSignal?: AbortSignal };
/** A live check: adds to the findings; fails only when the caller aborted. */
type Check = ResultAsync<void, WifError>;

/** Checks a {@link diagnose} input without sending anything (what it refuses with `Validation` first). */
export function checkDiagnoseInput(input: DiagnoseInput): Result<void, ValidationError> {
  return validate(inputSchema, input).map(() => undefined);
}

/**
 * Diagnoses a failure from its text and, given a project and a connection, from live state too.
 *
 * Without clients, project or connection it is {@link diagnoseText}. With them it reads the
 * connection (`GET /{org}/{project}/_apis/serviceendpoint/endpoints/{id}`, or `?endpointNames=` for
 * a name) and then, depending on what the text points at:
 * - a federation error (or nothing recognised): runs `verifySubject` (Graph reads of the app and its
 *   federated credentials) and reports **where** issuer or subject differ, or — when everything
 *   matches exactly after AADSTS70021 — credential propagation;
 * - `AuthorizationFailed`: lists the service principal's role assignments in the subscription of the
 *   failing scope (`GET …/roleAssignments?$filter=principalId eq '…'`) and says which scope lacks one;
 * - pipeline authorization: reads the connection's pipeline permissions.
 * A connection the project cannot see is `ConnectionNotShared` (certain).
 *
 * Permission: read on the connection, Graph `Application.Read.All` (or ownership of the app),
 * `Microsoft.Authorization/roleAssignments/read`. Sends no write: safe to re-run.
 * Errors: `Validation` (input), the transport errors of reading the connection, `Aborted`. A failing
 * later read does not fail the diagnosis: it is noted in the evidence.
 *
 * @example
 * const result = await diagnose(clients, { text: log, project: 'web', connectionName: 'sc-prod' });
 * for (const d of result.unwrapOr([])) console.log(d.cause, d.summary, d.fix[0]);
 */
export function diagnose(
  clients: WifClients | undefined,
  input: DiagnoseInput,
  options: DiagnoseOptions = {},
): ResultAsync<Diagnosis[], WifError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  const { findings, denial } = readText(v.text);
  const finish = (): Diagnosis[] => {
    const list = findings.list();
    return list.length > 0 ? list : [unknownDiagnosis(v.text)];
  };
  const ref = v.connectionId ?? v.connectionName;
  const away = migratedAway(v.migrations, v.connectionName ?? missingConnectionName(v.text), v.project);
  if (!clients || v.project === undefined || ref === undefined) {
    if (away) {
      findings.add('ConnectionMigrated', { ...away, confidence: 'likely' });
      const why = ['journal: a wif migration deleted a connection of this name'];
      findings.weaken('ConnectionNotShared', 'possible', why);
      findings.weaken('PipelineNotAuthorized', 'possible', why);
    }
    return okAsync(finish());
  }
  const project = v.project;
  const opts: Opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};

  return safeTry(async function* () {
    const endpoint = yield* findConnection(clients, project, v, opts);
    const renamed =
      !endpoint && v.connectionName && v.spec
        ? yield* await renamedConnection(clients, v.spec, project, v.connectionName, opts)
        : undefined;
    if (renamed) {
      findings.add('ConnectionRenamed', {
        confidence: 'certain',
        summary: `Project '${project}' has no connection '${v.connectionName}', but the one the spec names is there under the name '${renamed.name}' (id ${renamed.id}): it was renamed after the pipeline was written.`,
        evidence: [
          `live: connection '${renamed.name}' (${renamed.id}) is the spec's '${v.connectionName}', found as plan finds it (through its app or managed identity)`,
        ],
      });
      // The project does have it, under its new name: not a sharing problem.
      findings.remove('ConnectionNotShared');
      findings.weaken('PipelineNotAuthorized', 'possible', ['live: the pipeline names a connection the project does not have']);
      return ok(finish());
    }
    if (!endpoint && away) {
      findings.add('ConnectionMigrated', {
        ...away,
        confidence: 'certain',
        evidence: [...(away.evidence ?? []), `live: no connection '${ref}' in project '${project}'`],
      });
      // The migration explains why the project has no such connection: not a sharing problem.
      findings.remove('ConnectionNotShared');
      findings.weaken('PipelineNotAuthorized', 'possible', ['live: the connection is not in the project at all']);
      return ok(finish());
    }
    if (!endpoint) {
      findings.add('ConnectionNotShared', {
        confidence: 'certain',
        summary: `Project '${project}' has no connection '${ref}' that the signed-in identity can see: it belongs to another project and is not shared with this one, or it does not exist.`,
        evidence: [`live: no connection '${ref}' in project '${project}'`],
      });
      findings.weaken('PipelineNotAuthorized', 'possible', ['live: the connection is not in the project at all']);
      return ok(finish());
    }
    const needsTrust = findings.causes().length === 0 || FEDERATION.some((c) => findings.has(c));
    if (needsTrust) yield* checkTrust(clients, project, endpoint, v.managedIdentity, findings, v.text, opts);
    if (findings.has('SecretInvalid') && !workloadIdentity(endpoint).issuer) {
      findings.note('SecretInvalid', [`live: connection "${endpoint.name}" uses scheme ${endpoint.authorization?.scheme ?? 'unknown'}`]);
    }
    if (findings.has('PipelineNotAuthorized') || findings.has('ConnectionNotShared'))
      yield* checkPipelines(clients, project, endpoint, findings, opts);
    if (findings.has('ApprovalPending')) yield* checkApprovals(clients, project, endpoint, findings, opts);
    if (findings.has('RoleAssignmentMissing') && denial?.scope) yield* checkRoles(clients, endpoint, denial, denial.scope, findings, opts);
    return ok(finish());
  });
}

/**
 * What a journaled migration says about a connection named `name` (in `project`, when given) that
 * it deleted: the old connection once `finishMigration` removed it, or the new one after
 * `rollbackMigration`; the latest such migration wins. `undefined` when none did.
 */
function migratedAway(
  records: readonly MigrationRecord[] | undefined,
  name: string | undefined,
  project: string | undefined,
): Omit<Finding, 'confidence'> | undefined {
  if (!records || name === undefined) return undefined;
  const inProject = (projects: readonly { readonly id: string; readonly name: string }[]): boolean =>
    project === undefined || projects.some((p) => same(p.name, project) || same(p.id, project));
  const latest = [...records].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  for (const r of latest) {
    const deletedAt = r.cleanup?.oldConnectionDeletedAt;
    const to = r.connection?.name ?? r.newName;
    if (deletedAt && same(r.old.name, name) && inProject(r.old.projects))
      return {
        summary: `The pipeline names '${r.old.name}', which wif migrate finish deleted at ${deletedAt} (migration ${r.id}) once '${to}' had replaced it on workload identity federation.`,
        fix: [`Point the pipeline at '${to}' (azureSubscription: ${to}) and run it again.`],
        evidence: [
          `journal: migration ${r.id} moved '${r.old.name}' to '${to}', live since ${r.liveAt ?? '-'}; the old connection was deleted at ${deletedAt}`,
        ],
      };
    if (r.rolledBackAt && r.connection && same(r.connection.name, name) && inProject(r.connection.projects))
      return {
        summary: `The pipeline names '${r.connection.name}', which wif migrate rollback deleted at ${r.rolledBackAt} (migration ${r.id}); '${r.old.name}', the connection it was to replace, is still there.`,
        fix: [`Point the pipeline back at '${r.old.name}' (azureSubscription: ${r.old.name}) and run it again.`],
        evidence: [`journal: migration ${r.id} was rolled back at ${r.rolledBackAt}, deleting '${r.connection.name}'`],
      };
  }
  return undefined;
}

/**
 * The connection the spec names `project/name`, found under another name as `plan` finds it (its
 * serviceConnection row changes the name back), or `undefined`. A connection the spec does not
 * name, or a plan that cannot be made, finds nothing (the diagnosis falls back to the others).
 */
function renamedConnection(
  clients: WifClients,
  spec: ResolvedSpec,
  project: string,
  name: string,
  opts: Opts,
): ResultAsync<{ id: string; name: string } | undefined, WifError> {
  const checked = checkResolvedSpec(spec);
  if (checked.isErr()) return errAsync(checked.error);
  const c = spec.connections.find((x) => x.name.toLowerCase() === name.toLowerCase() && x.project.toLowerCase() === project.toLowerCase());
  if (!c) return okAsync(undefined);
  return ResultAsync.fromSafePromise(planConnectionObserved(clients, spec, c, opts)).map(({ plan }) => {
    const renamed = plannedRenameOf(plan);
    return renamed ? { id: renamed.id, name: renamed.from } : undefined;
  });
}

function findConnection(
  clients: WifClients,
  project: string,
  v: { connectionId?: string | undefined; connectionName?: string | undefined },
  opts: Opts,
): ResultAsync<ServiceEndpoint | undefined, WifError> {
  if (v.connectionId !== undefined) {
    return getServiceEndpoint(clients.devops, project, v.connectionId, opts)
      .map((e): ServiceEndpoint | undefined => e)
      .orElse((e) => (e.kind === 'NotFound' ? ok(undefined) : errAsync(e)));
  }
  const name = v.connectionName ?? '';
  return getServiceEndpointsByNames(clients.devops, project, [name], {}, opts).map((list) =>
    list.find((e) => e.name.toLowerCase() === name.toLowerCase()),
  );
}

/** Turns a failed optional read into evidence; only an abort ends the diagnosis. */
function noted(result: ResultAsync<void, WifError>, findings: Findings, causes: readonly DiagnosisCause[], what: string): Check {
  return result.orElse((e): Result<void, WifError> => {
    if (e.kind === 'Aborted') return err(e);
    for (const c of causes) findings.note(c, [`live ${what} not possible: ${e.message}`]);
    return ok(undefined);
  });
}

/**
 * Compares issuer, subject and audience live. A mismatch found live replaces what the text
 * suggested; an exact match after AADSTS70021 (or another mismatch code) means propagation.
 */
function checkTrust(
  clients: WifClients,
  project: string,
  endpoint: ServiceEndpoint,
  managedIdentity: DiagnoseInput['managedIdentity'],
  findings: Findings,
  text: string,
  opts: Opts,
): Check {
  if (!workloadIdentity(endpoint).issuer) return okAsync(undefined);
  // What the failing run presented, when the text quotes it (AADSTS700211/700213, or AADSTS70021's fields).
  const said = {
    issuer: presented(text, 'issuer') ?? assertionField(text, 'Issuer'),
    subject: presented(text, 'subject') ?? assertionField(text, 'Subject'),
  };
  const codes = findings.codesOf(...MISMATCH, 'CredentialPropagation');
  const settle = (cause: DiagnosisCause, summary: string, evidence: string[]): void => {
    findings.remove(...[...MISMATCH, 'CredentialPropagation' as const].filter((c) => c !== cause));
    findings.add(cause, { confidence: 'certain', summary, evidence, codes });
  };
  const on = managedIdentity ? `managed identity ${managedIdentity.name}` : 'app';
  const checked = (
    managedIdentity
      ? verifyManagedIdentitySubject(clients, { project, connectionId: endpoint.id, identity: managedIdentity }, opts)
      : verifySubject(clients, { project, connectionId: endpoint.id }, opts)
  )
    .map((report) => {
      const live = `live: connection "${report.connectionName}" presents issuer ${report.issuer} and subject ${report.subject}; credential "${report.credential.name}" on ${on} ${report.appId} matches both exactly, with the right audience`;
      // The run presented other strings than the connection does now: it changed after that run.
      const changed = (['issuer', 'subject'] as const).filter((f) => said[f] !== undefined && said[f] !== report[f]);
      if (changed.length > 0 && (MISMATCH.some((c) => findings.has(c)) || findings.has('CredentialPropagation'))) {
        findings.remove(...MISMATCH, 'CredentialPropagation');
        findings.add('ConnectionChanged', {
          confidence: 'certain',
          summary: `The run presented ${changed.map((f) => `${f} '${said[f]}'`).join(' and ')}; connection "${report.connectionName}" presents ${changed.map((f) => `${f} ${report[f]}`).join(' and ')} now, which credential "${report.credential.name}" matches: the connection changed after that run.`,
          evidence: [...changed.map((f) => `presented ${f} (from the text): ${said[f]}`), live],
          codes,
        });
      } else if (MISMATCH.some((c) => findings.has(c))) {
        findings.remove(...MISMATCH);
        findings.add('CredentialPropagation', {
          confidence: 'likely',
          summary: `The federated credential "${report.credential.name}" matches connection "${report.connectionName}" exactly now: the failure came from propagation right after the credential was written (or it has been fixed since).`,
          evidence: [live],
          codes,
        });
      }
      findings.weaken('MultiTenantApp', 'possible', [`live: ${on} ${report.appId} is ${report.signInAudience}`]);
      findings.weaken('AppNotFound', 'possible', [`live: ${on} ${report.appId} exists`]);
    })
    .orElse((e): Result<void, WifError> | ResultAsync<void, WifError> => {
      switch (e.kind) {
        case 'SubjectMismatch': {
          const where = e.firstDifferenceAt >= 0 ? [`first difference at position ${e.firstDifferenceAt}`] : [];
          const pair = [
            `connection ${e.field}: ${e.expected}`,
            ...(e.actual !== null ? [`closest credential ${e.field}: ${e.actual}`] : []),
            ...where,
            `hint: ${e.hint}`,
          ];
          if (e.actual === null)
            settle(
              'NoFederatedCredentials',
              `The ${on} has no federated credential; connection "${endpoint.name}" presents subject '${e.expected}'.`,
              pair,
            );
          else if (e.field === 'subject') {
            settle(
              'SubjectMismatch',
              `The credential's subject ${e.hint}: the connection presents '${e.expected}', the closest credential has '${e.actual}'.`,
              pair,
            );
          } else settle('IssuerMismatch', `No credential has the issuer the connection presents ('${e.expected}'): ${e.hint}.`, pair);
          return ok(undefined);
        }
        case 'AudienceMismatch':
          settle(
            'AudienceMismatch',
            `Credential "${e.credentialName}" matches issuer and subject but has audiences ${JSON.stringify(e.actual)}.`,
            [`live: ${e.message}`],
          );
          return ok(undefined);
        case 'MultiTenantApp':
          findings.add('MultiTenantApp', {
            confidence: 'certain',
            evidence: [`live: app ${e.appId} is ${e.signInAudience} and the connection uses the Entra issuer`],
          });
          return ok(undefined);
        case 'NotFound': {
          if (e.service !== 'graph') return err(e);
          const clientId = authParameter(endpoint, 'serviceprincipalid') ?? '';
          const appNotFound = (): Result<void, WifError> => {
            findings.add('AppNotFound', {
              confidence: 'certain',
              evidence: [`live: no application with the appId connection "${endpoint.name}" names (${clientId || 'none'})`],
            });
            return ok(undefined);
          };
          if (managedIdentity || !isGuid(clientId)) return appNotFound();
          // No app, but perhaps a managed identity's client id: its service principal says so, and
          // a user-assigned identity's names the identity (its ARM id among its alternativeNames):
          // its credentials are then compared as when the caller names the identity.
          return getServicePrincipal(clients.graph, { appId: clientId }, opts)
            .map((sp): ServicePrincipal | undefined => sp)
            .orElse(() => ok(undefined))
            .andThen((sp): Result<void, WifError> | ResultAsync<void, WifError> => {
              if (sp?.servicePrincipalType !== 'ManagedIdentity') return appNotFound();
              const named = identityOfPrincipal(sp);
              if (named) return checkTrust(clients, project, endpoint, named, findings, text, opts);
              for (const cause of findings.causes())
                findings.note(cause, [
                  `live: ${clientId} is the client id of managed identity ${sp.displayName}, not of an app: its federated credentials are on the identity; give the spec that puts the connection on it (--config) to compare them live`,
                ]);
              return ok(undefined);
            });
        }
        default:
          return err(e);
      }
    });
  return noted(checked, findings, findings.causes(), 'comparison of issuer and subject');
}

/** Whether the connection is open to the project's pipelines. */
function checkPipelines(clients: WifClients, project: string, endpoint: ServiceEndpoint, findings: Findings, opts: Opts): Check {
  findings.weaken('ConnectionNotShared', 'possible', [`live: connection "${endpoint.name}" is in project '${project}'`]);
  if (!findings.has('PipelineNotAuthorized')) return okAsync(undefined);
  const read = getPipelinePermissions(clients.devops, project, { type: 'endpoint', id: endpoint.id }, opts).map((p) => {
    if (p.allPipelines?.authorized === true) {
      findings.weaken('PipelineNotAuthorized', 'possible', ['live: the connection is open to every pipeline of the project']);
      return;
    }
    const ids = p.pipelines.filter((x) => x.authorized).map((x) => x.id);
    findings.add('PipelineNotAuthorized', {
      confidence: 'likely',
      evidence: [
        `live: the connection is authorized for ${ids.length > 0 ? `pipelines ${ids.join(', ')} only` : 'no pipeline'}, not for all pipelines`,
      ],
    });
  });
  return noted(read, findings, ['PipelineNotAuthorized'], 'read of pipeline permissions');
}

/**
 * What gates the connection itself: its approvals and checks. None means the wait is elsewhere
 * (the environment the job deploys to: the seed's "eight times out of ten"); a branch control check
 * is named with its branches, since a run from another branch fails it rather than waits.
 */
function checkApprovals(clients: WifClients, project: string, endpoint: ServiceEndpoint, findings: Findings, opts: Opts): Check {
  const read = readChecks({ devops: clients.devops }, project, endpoint.id, opts).map((checks) => {
    if (checks.length === 0) {
      findings.weaken('ApprovalPending', 'possible', [
        `live: connection "${endpoint.name}" has no approvals or checks of its own: look at the approvals of the environment the job deploys to`,
      ]);
      return;
    }
    const described = checks.map((c) => {
      const kind = checkKindName(c);
      const s = c.settings ?? {};
      const approvers = Array.isArray(s['approvers'])
        ? (s['approvers'] as { displayName?: unknown; id?: unknown }[]).map((a) =>
            typeof a.displayName === 'string' ? a.displayName : typeof a.id === 'string' ? a.id : '?',
          )
        : [];
      const inputs = (s['inputs'] ?? {}) as Record<string, unknown>;
      const detail =
        approvers.length > 0
          ? ` by ${approvers.join(', ')}`
          : typeof inputs['allowedBranches'] === 'string'
            ? ` (allowed: ${inputs['allowedBranches']}; a run from another branch fails it)`
            : '';
      return `${kind}${detail}${c.isDisabled === true ? ' (disabled)' : ''}`;
    });
    findings.note('ApprovalPending', [`live: connection "${endpoint.name}" is gated by: ${described.join('; ')}`]);
  });
  return noted(read, findings, ['ApprovalPending'], 'read of approvals and checks');
}

function roleName(assignment: RoleAssignment): string {
  const guid = roleDefinitionGuid(assignment.properties.roleDefinitionId);
  const name = Object.entries(BUILT_IN_ROLES).find(([, id]) => id === guid)?.[0];
  return name ?? `role ${guid ?? assignment.properties.roleDefinitionId}`;
}

/**
 * Lists the service principal's role assignments across the subscription of the failing scope (a
 * list at the scope itself would miss a role granted on a sibling resource group, which is the
 * usual mistake) and says whether any covers the scope.
 */
function checkRoles(
  clients: WifClients,
  endpoint: ServiceEndpoint,
  denial: ArmDenial,
  scope: string,
  findings: Findings,
  opts: Opts,
): Check {
  const principal: ResultAsync<string, WifError> =
    denial.objectId !== undefined && isGuid(denial.objectId)
      ? okAsync(denial.objectId)
      : getServicePrincipal(clients.graph, { appId: authParameter(endpoint, 'serviceprincipalid') ?? '' }, opts).map((sp) => sp.id);
  const parsed = parseScope(scope);
  const listAt = parsed.isOk() && parsed.value.subscriptionId !== undefined ? `/subscriptions/${parsed.value.subscriptionId}` : scope;
  const read = principal.andThen((principalId) =>
    ResultAsync.fromSafePromise(collect(listRoleAssignments(clients.arm, listAt, { principalId }, opts), MAX_ASSIGNMENTS))
      .andThen((r) => r)
      .map((assignments) => {
        const describe = (a: RoleAssignment): string => `${roleName(a)} at ${a.properties.scope}`;
        const covering = assignments.filter((a) => scopeContains(a.properties.scope, scope) || a.properties.scope === '/');
        const evidence = assignments.map((a) => `live: ${describe(a)}`);
        if (covering.length === 0) {
          findings.add('RoleAssignmentMissing', {
            confidence: 'certain',
            summary: `Service principal ${principalId} has no role at '${scope}' or above${assignments.length > 0 ? `; it has ${assignments.map(describe).join(', ')}` : `, and none in ${listAt}`}.`,
            fix: [
              `Grant the role the job needs at '${scope}' (or a parent scope): grantRole({ scope: '${scope}', role: 'Contributor', principalId: '${principalId}' }), with the least role that allows ${denial.action ? `'${denial.action}'` : 'the action'}.`,
            ],
            evidence: [...evidence, `live: missing scope ${scope}`],
          });
        } else {
          findings.add('RoleAssignmentMissing', {
            confidence: 'certain',
            summary: `Service principal ${principalId} has ${covering.map(describe).join(', ')}, which covers '${scope}' but does not allow ${denial.action ? `'${denial.action}'` : 'this action'} (or was granted moments ago).`,
            evidence,
          });
        }
      }),
  );
  return noted(read, findings, ['RoleAssignmentMissing'], 'read of role assignments');
}
