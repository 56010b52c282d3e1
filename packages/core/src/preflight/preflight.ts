/**
 * `preflight`: before any write, which permission the caller lacks, where, and how to get it.
 * Read-only; at most one permissions read per distinct ARM scope and one permission evaluation per
 * Azure DevOps project, nothing at all when there is no write.
 */
import { listPermissions, listRoleAssignments, parseScope, PRIVILEGED_ROLE_IDS, roleDefinitionGuid } from '@wif/arm';
import {
  evaluatePermissions,
  getProject,
  SERVICE_ENDPOINT_PERMISSIONS,
  SERVICE_ENDPOINTS_NAMESPACE_ID,
  serviceEndpointToken,
} from '@wif/devops';
import { type AccessTokenClaims, getAuthorizationPolicy } from '@wif/graph';
import { collect, type AbortedError, type TransportError, type ValidationError, validationError } from '@wif/http';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { readConnectionData } from '../_internal/connectionData';
import type { WifClients } from '../workflows/clients';
import { conditionAllows, entriesAllowing, parseDelegationCondition } from './evaluate';
import type { CheckStatus, PreflightCaller, PreflightCheck, PreflightReport, PreflightWrite } from './types';

/** Options of {@link preflight}. */
export interface PreflightOptions {
  /**
   * Read the caller's own role assignments (once per subscription where a role assignment is
   * written, beside the permissions read; used only where the permissions API grants
   * `roleAssignments/write`) to see delegation conditions the permissions API cannot show.
   * Default `true`.
   */
  readonly readConditions?: boolean;
  /**
   * Identify the caller in every service even when there is nothing to check (Graph token claims,
   * Azure DevOps `connectionData`): what `wif whoami` shows. Default `false`.
   */
  readonly identify?: boolean;
  readonly abortSignal?: AbortSignal;
}

const ROLE_ASSIGNMENT_WRITE = 'Microsoft.Authorization/roleAssignments/write';
/** Directory roles that may create and manage any application (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference). */
const APP_ADMIN_ROLES = new Set([
  '62e90394-69f5-4237-9190-012177145e10', // Global Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
]);
const APPLICATION_DEVELOPER = 'cf1c38e5-3621-4004-a7cb-879624dced7c';

type Draft = Omit<PreflightCheck, 'connections'>;

/**
 * Checks every permission `writes` need, the cheapest authoritative way, and reports each as
 * `granted`, `missing` or `unknown` with the caller, the permission, the scope or project and the fix.
 *
 * - ARM: `GET {scope}/providers/Microsoft.Authorization/permissions` once per distinct scope, each
 *   action evaluated with {@link isActionAllowed}'s rule; for role assignments, where that grants
 *   the write, the caller's own role assignments (`assignedTo`) once per subscription, to read
 *   delegation conditions (a condition that forbids the role or service principals, or that cannot
 *   be read, makes the check `unknown`).
 * - Azure DevOps: `connectionData` once per set of clients (who the caller is; what `checkAccess` read), the project id once per project when a
 *   write does not carry it, and one `permissionevaluationbatch` per project (Create on
 *   `endpoints/{projectId}`, Administer on `endpoints/{projectId}/{endpointId}`).
 * - Microsoft Graph: the claims of the caller's Graph token (`scp`, `roles`, `wids`; no request) and,
 *   for a user without a qualifying directory role, `GET /policies/authorizationPolicy` once.
 *
 * Sends nothing when `writes` is empty. A read that fails makes its checks `unknown` (never an
 * error). Errors: `Validation` (a write with an unparsable ARM scope; nothing sent), `Aborted`.
 *
 * @example
 * const report = (await preflight(clients, writesFromPlan(p)))._unsafeUnwrap();
 * for (const c of report.checks.filter((c) => c.status === 'missing')) console.log(c.permission, c.scope, c.fix);
 */
export function preflight(
  clients: WifClients,
  writes: readonly PreflightWrite[],
  options: PreflightOptions = {},
): ResultAsync<PreflightReport, ValidationError | AbortedError> {
  const problems = writes.flatMap((w, i) =>
    w.service === 'arm' && parseScope(w.scope).isErr() ? [{ path: `writes.${i}.scope`, message: `'${w.scope}' is not an ARM scope.` }] : [],
  );
  if (problems.length > 0) return errAsync(validationError(problems));
  if (options.abortSignal?.aborted) return errAsync({ kind: 'Aborted', message: 'The preflight was aborted.' });
  return ResultAsync.fromSafePromise(run(clients, writes, options)).andThen((report) =>
    options.abortSignal?.aborted
      ? errAsync<PreflightReport, AbortedError>({ kind: 'Aborted', message: 'The preflight was aborted.' })
      : okAsync<PreflightReport, AbortedError>(report),
  );
}

async function run(clients: WifClients, writes: readonly PreflightWrite[], options: PreflightOptions): Promise<PreflightReport> {
  const o = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const all = options.identify === true;
  const needs = {
    graph: all || writes.some((w) => w.service === 'graph'),
    arm: writes.some((w) => w.service === 'arm'),
    devops: all || writes.some((w) => w.service === 'devops'),
  };

  // Who the caller is: the Graph token's claims (no request) when Graph or ARM is involved.
  const claimsResult = (needs.graph || needs.arm) && clients.graph.accessTokenClaims ? await clients.graph.accessTokenClaims(o) : undefined;
  const claims = claimsResult?.isOk() ? claimsResult.value : undefined;
  // Azure DevOps' identity read goes beside the ARM and Graph reads: they need the caller only to
  // word their fixes, once their own reads are in.
  const identity = needs.devops ? Promise.resolve(readConnectionData(clients.devops, o)) : Promise.resolve(undefined);
  const callerRead = identity.then((connection) => callerOf(claims, connection?.isOk() ? connection.value.authenticatedUser : undefined));

  // One entry per (service, scope, permission): when two writes need the same permission at the
  // same place with different verdicts (a delegation condition allows one role, not another), the
  // worst verdict stands.
  const drafts = new Map<string, { draft: Draft; connections: Set<string> }>();
  const rank: Record<CheckStatus, number> = { granted: 0, unknown: 1, missing: 2 };
  const add = (_key: string, draft: Draft, connection: string): void => {
    const key = `${draft.service}|${draft.scope.toLowerCase()}|${draft.permission.toLowerCase()}`;
    const hit = drafts.get(key);
    if (!hit) drafts.set(key, { draft, connections: new Set([connection]) });
    else {
      hit.connections.add(connection);
      if (rank[draft.status] > rank[hit.draft.status]) hit.draft = draft;
    }
  };

  await Promise.all([
    checkArm(clients, writes, claims, options, o, callerRead, add),
    identity.then(async (connection) =>
      checkDevops(clients, writes, connection?.isErr() ? connection.error : undefined, o, await callerRead, add),
    ),
    checkGraph(clients, writes, claims, claimsResult?.isErr() ? claimsResult.error.message : undefined, o, callerRead, add),
  ]);
  const caller = await callerRead;

  const checks = [...drafts.values()].map(({ draft, connections }) => ({ ...draft, connections: [...connections].sort() }));
  const count = (s: CheckStatus): number => checks.filter((c) => c.status === s).length;
  return { caller, checks, summary: { granted: count('granted'), missing: count('missing'), unknown: count('unknown') } };
}

function callerOf(
  claims: AccessTokenClaims | undefined,
  devops: { id: string; providerDisplayName?: string | undefined } | undefined,
): PreflightCaller {
  const entra = claims
    ? {
        appOnly: claims.appOnly,
        ...(claims.oid !== undefined ? { objectId: claims.oid } : {}),
        ...(claims.tid !== undefined ? { tenantId: claims.tid } : {}),
        ...(claims.upn !== undefined ? { upn: claims.upn } : {}),
        ...(claims.appId !== undefined ? { appId: claims.appId } : {}),
      }
    : undefined;
  const display =
    claims?.upn ??
    (claims?.appOnly && claims.appId ? `app ${claims.appId}` : undefined) ??
    (claims?.oid !== undefined ? `object ${claims.oid}` : undefined) ??
    devops?.providerDisplayName ??
    (devops ? `identity ${devops.id}` : 'the caller');
  return {
    ...(entra ? { entra } : {}),
    ...(devops ? { devops: { id: devops.id, ...(devops.providerDisplayName ? { displayName: devops.providerDisplayName } : {}) } } : {}),
    display,
  };
}

type Add = (key: string, draft: Draft, connection: string) => void;
type Opts = { abortSignal?: AbortSignal };

const failed = (e: { kind: string; message: string }): string => `${e.kind}: ${e.message}`;

// ------------------------------------------------------------------ ARM

async function checkArm(
  clients: WifClients,
  writes: readonly PreflightWrite[],
  claims: AccessTokenClaims | undefined,
  options: PreflightOptions,
  o: Opts,
  callerRead: Promise<PreflightCaller>,
  add: Add,
): Promise<void> {
  const arm = writes.filter((w): w is Extract<PreflightWrite, { service: 'arm' }> => w.service === 'arm');
  if (arm.length === 0) return;
  const scopeOf = (s: string): string => parseScope(s)._unsafeUnwrap().scope;
  const byScope = new Map<string, { scope: string; writes: typeof arm }>();
  for (const w of arm) {
    const scope = scopeOf(w.scope);
    const key = scope.toLowerCase();
    byScope.set(key, { scope, writes: [...(byScope.get(key)?.writes ?? []), w] });
  }
  // One permissions read per distinct scope. Not at a management group: the API is documented for
  // resource groups and resources (and, in Microsoft's ARM authentication article, subscriptions) only.
  const atManagementGroup = (scope: string): boolean => /^\/providers\/Microsoft\.Management\//i.test(scope);
  // Delegation conditions: the caller's own role assignments, once per subscription where a role
  // assignment is written. Read beside the permissions, not after them: one dependent request less
  // before the plan is ready. They are used only where the permissions API grants the write; where it
  // does not, the read was one request more in a plan that is refused anyway.
  const conditionReads = new Map<string, Promise<Awaited<ReturnType<typeof readOwnAssignments>>>>();
  const ownAssignments = (subscription: string) => {
    let p = conditionReads.get(subscription.toLowerCase());
    if (!p) {
      p = readOwnAssignments(clients, subscription, claims?.oid ?? '', o);
      conditionReads.set(subscription.toLowerCase(), p);
    }
    return p;
  };
  if (options.readConditions !== false && claims?.oid) {
    for (const [, { scope, writes: ws }] of byScope) {
      const subscription = subscriptionOf(scope);
      if (subscription && !atManagementGroup(scope) && ws.some((w) => w.action.toLowerCase() === ROLE_ASSIGNMENT_WRITE.toLowerCase()))
        void ownAssignments(subscription);
    }
  }
  const reads = new Map(
    await Promise.all(
      [...byScope]
        .filter(([, { scope }]) => !atManagementGroup(scope))
        .map(async ([key, { scope }]) => [key, await listPermissions(clients.arm, scope, o)] as const),
    ),
  );

  for (const [key, { scope, writes: ws }] of byScope) {
    const read = reads.get(key);
    if (read === undefined) {
      for (const w of ws)
        add(
          `arm|${key}|${w.action.toLowerCase()}`,
          {
            service: 'arm',
            permission: w.action,
            scope,
            status: 'unknown',
            confidence: 'hint',
            evidence: 'the permissions API is not documented at management-group scope: not checked',
            fix: armFix(w.action, scope),
          },
          w.connection,
        );
      continue;
    }
    for (const w of ws) {
      const checkKey = `arm|${key}|${w.action.toLowerCase()}|${w.roleDefinitionGuid ?? ''}|${w.newPrincipal === true}`;
      const base = { service: 'arm' as const, permission: w.action, scope };
      if (read.isErr()) {
        const e = read.error;
        // No access to the scope at all: ARM answers 403/404 for the permissions read too.
        const none = e.kind === 'Forbidden' || e.kind === 'NotFound';
        add(
          checkKey,
          {
            ...base,
            status: none ? 'missing' : 'unknown',
            confidence: 'strong hint',
            evidence: `permissions API @ ${scope}: ${failed(e)}`,
            fix:
              e.kind === 'NotFound'
                ? `${scope} does not exist, or ${(await callerRead).display} cannot see it: create it (or correct the spec), or ask for access to it; then ${armFix(w.action, scope)}`
                : armFix(w.action, scope),
          },
          w.connection,
        );
        continue;
      }
      const allowing = entriesAllowing(read.value, w.action);
      if (allowing.length === 0) {
        add(
          checkKey,
          {
            ...base,
            status: 'missing',
            confidence: 'strong hint',
            evidence: `permissions API @ ${scope}: no entry allows ${w.action} (${read.value.length} entr${read.value.length === 1 ? 'y' : 'ies'})`,
            fix: armFix(w.action, scope),
          },
          w.connection,
        );
        continue;
      }
      const evidence = `permissions API @ ${scope}: allowed by ${allowing.length} entr${allowing.length === 1 ? 'y' : 'ies'}`;
      if (w.action.toLowerCase() !== ROLE_ASSIGNMENT_WRITE.toLowerCase() || options.readConditions === false || !claims?.oid) {
        add(checkKey, { ...base, status: 'granted', confidence: 'strong hint', evidence }, w.connection);
        continue;
      }
      const subscription = subscriptionOf(scope);
      const own = subscription ? await ownAssignments(subscription) : undefined;
      add(checkKey, conditionVerdict(base, evidence, own, scope, w, await callerRead), w.connection);
    }
  }
}

/** `/subscriptions/{id}` of an ARM scope, or `undefined` (a management group). */
const subscriptionOf = (scope: string): string | undefined => /^\/subscriptions\/[^/]+/i.exec(scope)?.[0];

async function readOwnAssignments(clients: WifClients, subscription: string, oid: string, o: Opts) {
  return collect(listRoleAssignments(clients.arm, subscription, { assignedTo: oid }, o), 1_000);
}

const atOrAbove = (ancestor: string, scope: string): boolean =>
  scope.toLowerCase() === ancestor.toLowerCase() || scope.toLowerCase().startsWith(`${ancestor.toLowerCase().replace(/\/$/, '')}/`);

function conditionVerdict(
  base: { service: 'arm'; permission: string; scope: string },
  evidence: string,
  own: Awaited<ReturnType<typeof readOwnAssignments>> | undefined,
  scope: string,
  w: Extract<PreflightWrite, { service: 'arm' }>,
  caller: PreflightCaller,
): Draft {
  if (!own || own.isErr()) {
    return {
      ...base,
      status: 'granted',
      confidence: 'hint',
      evidence: `${evidence}; own role assignments unreadable (${own?.isErr() ? failed(own.error) : 'no subscription'}), conditions not checked`,
    };
  }
  // Grants of the role-assignment write the caller holds at or above the target: the privileged
  // built-in roles (Owner, User Access Administrator, RBAC Administrator). A custom role granting it
  // is not recognised here: its condition, if any, is not checked.
  const grants = own.value.filter(
    (a) => atOrAbove(a.properties.scope, scope) && PRIVILEGED_ROLE_IDS.has(roleDefinitionGuid(a.properties.roleDefinitionId) ?? ''),
  );
  if (grants.length === 0 || grants.some((a) => !a.properties.condition)) {
    return { ...base, status: 'granted', confidence: 'strong hint', evidence: `${evidence}; no delegation condition on the grant` };
  }
  const parsed = grants.map((a) => parseDelegationCondition(a.properties.condition ?? ''));
  if (parsed.some((c) => c !== undefined && conditionAllows(c, w.roleDefinitionGuid, w.newPrincipal ?? true))) {
    return {
      ...base,
      status: 'granted',
      confidence: 'hint',
      evidence: `${evidence}; a delegation condition allows this role for service principals`,
    };
  }
  const readable = parsed.filter((c): c is NonNullable<typeof c> => c !== undefined);
  const roles = [...new Set(readable.flatMap((c) => c.roles ?? []))];
  return {
    ...base,
    status: 'unknown',
    confidence: 'hint',
    evidence:
      readable.length === parsed.length
        ? `${evidence}; but every grant carries a delegation condition that does not allow role ${w.roleDefinitionGuid ?? '?'} for a new service principal${roles.length ? ` (roles allowed: ${roles.join(', ')})` : ''}`
        : `${evidence}; but the grant carries a delegation condition wif cannot read`,
    fix: `${caller.display}'s Role Based Access Control Administrator grant is conditioned: ask an Owner or User Access Administrator of ${scope} to allow role ${w.roleDefinitionGuid ?? ''} for principal type ServicePrincipal.`,
  };
}

function armFix(action: string, scope: string): string {
  if (action.toLowerCase() === ROLE_ASSIGNMENT_WRITE.toLowerCase()) {
    return `Role Based Access Control Administrator on ${scope}, or Owner: ask an Owner or User Access Administrator of ${scope} to grant it (optionally constrained to the roles wif assigns, for service principals), then sign in again.`;
  }
  if (/^Microsoft\.ManagedIdentity\//i.test(action))
    return `Managed Identity Contributor on ${scope}: ask an Owner of ${scope} to grant it.`;
  if (/resourceGroups\/write$/i.test(action))
    return `Contributor on ${scope}: ask a subscription Owner to grant it, or create the resource group first.`;
  return `A role that allows ${action} on ${scope}: ask an Owner of ${scope}.`;
}

// ------------------------------------------------------------------ Azure DevOps

async function checkDevops(
  clients: WifClients,
  writes: readonly PreflightWrite[],
  identityError: TransportError | undefined,
  o: Opts,
  caller: PreflightCaller,
  add: Add,
): Promise<void> {
  const ado = writes.filter((w): w is Extract<PreflightWrite, { service: 'devops' }> => w.service === 'devops');
  if (ado.length === 0) return;
  const byProject = new Map<string, typeof ado>();
  for (const w of ado) byProject.set(w.project.toLowerCase(), [...(byProject.get(w.project.toLowerCase()) ?? []), w]);

  await Promise.all(
    [...byProject.values()].map(async (ws) => {
      const project = ws[0]!.project;
      const where = (w: (typeof ws)[number]): string =>
        w.permission === 'Create' ? `project ${project}` : `project ${project}, connection ${w.endpointId ?? '?'}`;
      const checkKey = (w: (typeof ws)[number]): string =>
        `devops|${project.toLowerCase()}|${w.permission}|${w.endpointId?.toLowerCase() ?? ''}`;
      const draftFor = (w: (typeof ws)[number], status: CheckStatus, evidence: string): Draft => ({
        service: 'devops',
        permission: `ServiceEndpoints/${w.permission}`,
        scope: where(w),
        status,
        confidence: w.permission === 'Create' ? 'authoritative' : 'strong hint',
        evidence,
        ...(status !== 'granted' ? { fix: devopsFix(w.permission, project, caller) } : {}),
      });
      if (identityError?.kind === 'Unauthorized') {
        for (const w of ws)
          add(
            checkKey(w),
            {
              ...draftFor(w, 'missing', `connectionData: ${failed(identityError)}`),
              fix: `Azure DevOps rejected the credential for this organization (PAT expired or wrong organization): sign in again.`,
            },
            w.connection,
          );
        return;
      }
      const known = ws.find((w) => w.projectId !== undefined)?.projectId;
      const id = known ?? (await getProject(clients.devops, project, o).map((p) => p.id));
      if (typeof id !== 'string' && id.isErr()) {
        for (const w of ws) add(checkKey(w), draftFor(w, 'unknown', `project ${project}: ${failed(id.error)}`), w.connection);
        return;
      }
      const projectId = typeof id === 'string' ? id : id.value;
      // One question per distinct (bit, token), one batch for the project.
      const questions = new Map<string, { token: string; permissions: number }>();
      const tokenOf = (w: (typeof ws)[number]): string =>
        w.permission === 'Create' ? serviceEndpointToken(projectId) : serviceEndpointToken(projectId, w.endpointId);
      for (const w of ws) {
        const token = tokenOf(w);
        questions.set(`${w.permission}|${token.toLowerCase()}`, { token, permissions: SERVICE_ENDPOINT_PERMISSIONS[w.permission] });
      }
      const asked = [...questions.values()];
      const answers = await evaluatePermissions(
        clients.devops,
        asked.map((q) => ({ securityNamespaceId: SERVICE_ENDPOINTS_NAMESPACE_ID, ...q })),
        o,
      );
      for (const w of ws) {
        if (answers.isErr()) {
          add(checkKey(w), draftFor(w, 'unknown', `permission evaluation in ${project}: ${failed(answers.error)}`), w.connection);
          continue;
        }
        const token = tokenOf(w);
        const i = asked.findIndex((q) => q.token === token && q.permissions === SERVICE_ENDPOINT_PERMISSIONS[w.permission]);
        const value = answers.value[i]?.value;
        add(
          checkKey(w),
          draftFor(
            w,
            value ? 'granted' : 'missing',
            `permission evaluation: ServiceEndpoints ${w.permission} on ${token} is ${value ? 'allowed' : 'not allowed'}`,
          ),
          w.connection,
        );
      }
    }),
  );
}

function devopsFix(permission: 'Create' | 'Administer', project: string, caller: PreflightCaller): string {
  return permission === 'Create'
    ? `Endpoint Creator in project ${project}: ask a Project Administrator of ${project} to add ${caller.display} to [${project}]\\Endpoint Creators (or give the Creator role under Project settings › Service connections › Security).`
    : `Administrator of the service connection in project ${project}: ask an Administrator of the connection (or a Project Administrator of ${project}) to give ${caller.display} the Administrator role on it.`;
}

// ------------------------------------------------------------------ Microsoft Graph

async function checkGraph(
  clients: WifClients,
  writes: readonly PreflightWrite[],
  claims: AccessTokenClaims | undefined,
  claimsError: string | undefined,
  o: Opts,
  callerRead: Promise<PreflightCaller>,
  add: Add,
): Promise<void> {
  const gw = writes.filter((w): w is Extract<PreflightWrite, { service: 'graph' }> => w.service === 'graph');
  if (gw.length === 0) return;
  const caller = await callerRead;
  const tenant = `tenant ${claims?.tid ?? '?'}`;
  if (!claims) {
    for (const w of gw)
      add(
        `graph|${w.write}|${w.newApplication}`,
        {
          service: 'graph',
          permission: w.write,
          scope: tenant,
          status: 'unknown',
          confidence: 'hint',
          evidence: `token claims unreadable${claimsError ? `: ${claimsError}` : ''}`,
        },
        w.connection,
      );
    return;
  }
  let policy: Promise<boolean | string> | undefined;
  const allowedToCreateApps = (): Promise<boolean | string> =>
    (policy ??= getAuthorizationPolicy(clients.graph, o).match(
      (p) => p.defaultUserRolePermissions.allowedToCreateApps,
      (e) => failed(e),
    ));

  for (const w of gw) {
    const key = `graph|${w.write}|${w.newApplication}`;
    const verdict = await graphVerdict(w, claims, allowedToCreateApps, caller);
    add(key, { service: 'graph', scope: tenant, ...verdict }, w.connection);
  }
}

async function graphVerdict(
  w: Extract<PreflightWrite, { service: 'graph' }>,
  claims: AccessTokenClaims,
  allowedToCreateApps: () => Promise<boolean | string>,
  caller: PreflightCaller,
): Promise<Omit<Draft, 'service' | 'scope'>> {
  const creating = w.write === 'createApplication';
  if (claims.appOnly) {
    // Application permissions (`roles`): what Graph checks for an app-only call.
    const has = (p: string): boolean => claims.roles.includes(p);
    const permission = 'Application.ReadWrite.OwnedBy';
    const fix = `Grant the app ${claims.appId ?? ''} the Microsoft Graph application permission Application.ReadWrite.OwnedBy (admin consent required), then get a new token.`;
    if (has('Application.ReadWrite.All'))
      return {
        permission: 'Application.ReadWrite.All',
        status: 'granted',
        confidence: 'strong hint',
        evidence: 'token roles: Application.ReadWrite.All',
      };
    if (has(permission) || (creating && has('AppRegistration.Create'))) {
      if (creating || w.newApplication)
        return {
          permission,
          status: 'granted',
          confidence: 'strong hint',
          evidence: `token roles: ${claims.roles.join(' ')}; the app is created by this caller, which then owns it`,
        };
      return {
        permission,
        status: 'unknown',
        confidence: 'hint',
        evidence: 'token roles: Application.ReadWrite.OwnedBy only allows apps the caller owns; ownership not checked',
        fix: `Make ${caller.display} an owner of the existing application, or grant Application.ReadWrite.All.`,
      };
    }
    return {
      permission,
      status: 'missing',
      confidence: 'strong hint',
      evidence: `token roles: ${claims.roles.join(' ') || '(none)'} (the token the write will carry)`,
      fix,
    };
  }
  // Delegated: the scope must be on the token, and the user must hold the directory right.
  const scopeOk = claims.scp.includes('Application.ReadWrite.All') || (creating && claims.scp.includes('AppRegistration.Create'));
  if (!scopeOk) {
    return {
      permission: 'Application.ReadWrite.All',
      status: 'missing',
      confidence: 'strong hint',
      evidence: `token scp: ${claims.scp.join(' ') || '(none)'} (the token the write will carry)`,
      fix: 'Sign in with a tool whose Microsoft Graph token carries the delegated permission Application.ReadWrite.All (an admin may need to consent), then re-run.',
    };
  }
  const wids = claims.wids;
  if (wids?.some((id) => APP_ADMIN_ROLES.has(id)))
    return {
      permission: 'Application.ReadWrite.All',
      status: 'granted',
      confidence: 'hint',
      evidence: 'token wids: an application administrator role',
    };
  if (!creating && !w.newApplication) {
    return {
      permission: 'Application.ReadWrite.All',
      status: 'unknown',
      confidence: 'hint',
      evidence: 'token scp allows it; the user must own the existing application (ownership not checked)',
      fix: `Ask an owner of the application or an Entra Cloud Application Administrator to add ${caller.display} as an owner.`,
    };
  }
  if (wids?.includes(APPLICATION_DEVELOPER))
    return {
      permission: 'Application.ReadWrite.All',
      status: 'granted',
      confidence: 'hint',
      evidence: 'token wids: Application Developer',
    };
  const allowed = await allowedToCreateApps();
  if (allowed === true)
    return {
      permission: 'Application.ReadWrite.All',
      status: 'granted',
      confidence: 'hint',
      evidence: 'authorizationPolicy: users can register applications',
    };
  return {
    permission: 'Application.ReadWrite.All',
    status: 'unknown',
    confidence: 'hint',
    evidence:
      allowed === false
        ? `authorizationPolicy: users cannot register applications, and the token shows no Application Developer role${wids === undefined ? ' (it has no wids claim)' : ''}`
        : `authorizationPolicy unreadable (${allowed}); the token shows no Application Developer role`,
    fix: 'Ask an Entra admin for the Application Developer role (or to enable "Users can register applications"), or switch wif to an identity that may create applications.',
  };
}
