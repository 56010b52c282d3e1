/**
 * Azure DevOps in the fake (api-version 7.1): projects, service endpoints (service connections),
 * pipeline permissions, connectionData and the in-pipeline OIDC token, with the rules of
 * `docs/reference/devops.md` and `docs/reference/federation.md` (server-generated WIF issuer/subject in the Entra or
 * legacy format, name unique per project, conversion of automatic ServicePrincipal connections).
 */
import { serviceError, type RouteContext } from '../_router';
import { AZURE_DEVOPS_APP_ID, TOKEN_EXCHANGE_AUDIENCE } from './federation';
import { guidFrom } from './_random';
import { isGuid, isRecord, json, noContent } from './_respond';
import type { FakeRoute, FakeRuntime } from './options';
import { SERVICE_ENDPOINT_BITS } from './permissions';
import { CONFIDENTIAL_PARAMETERS, type FakeIdentity, type FakeProject, type FakeServiceEndpoint } from './state';

const API = '7.1';
const PREVIEW = '7.1-preview.1';
const DEFAULT_PROJECT_PAGE = 100;
const WIF = 'WorkloadIdentityFederation';
const SERVER_PARAMETERS = new Set([
  'workloadidentityfederationissuer',
  'workloadidentityfederationsubject',
  'workloadidentityfederationissuertype',
]);
/** Lifetimes observed for connection-bound OIDC tokens (docs/reference/federation.md §3). */
const LEGACY_TOKEN_SECONDS = 300;
const ENTRA_TOKEN_SECONDS = 24 * 3600;
const REVERT_WINDOW_MS = 7 * 24 * 3600 * 1000;
const AZURERM_SCHEMES = ['ServicePrincipal', WIF, 'ManagedServiceIdentity', 'PublishProfile'];
const ENVIRONMENTS = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment', 'AzureGermanCloud', 'AzureStack'];
const PROJECT_STATES = ['deleting', 'new', 'wellformed', 'createpending', 'all', 'unchanged', 'deleted'];
const SERVICE_ENDPOINTS_NAMESPACE = '49b48001-ca20-4adc-8111-5b60c903a50c';
const PAT_USER: FakeIdentity = { id: '00000000-0000-0000-0000-00000000a11e', displayName: 'PAT user', uniqueName: 'pat-user@fake' };

const devopsError = (status: number, typeKey: string, message: string): Response => serviceError('devops', status, typeKey, message);
const argument = (message: string): Response => devopsError(400, 'ArgumentException', message);
const endpointNotFound = (id: string): Response =>
  devopsError(404, 'ServiceEndpointNotFoundException', `Service connection with id ${id} does not exist or you do not have access to it.`);
const projectNotFound = (p: string): Response =>
  devopsError(
    404,
    'ProjectDoesNotExistWithNameException',
    `TF200016: The following project does not exist: ${p}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
  );
// docs/reference/devops.md §11: a duplicate name is HTTP 500 with DuplicateServiceConnectionException (observed).
const duplicateName = (name: string): Response =>
  devopsError(
    500,
    'DuplicateServiceConnectionException',
    `Service connection with name ${name} already exists. Only a user having Administrator/User role permissions on service connection ${name} can see it.`,
  );

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const list = (v: string | null): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** `authorization.parameters` as stored: server-generated WIF values dropped, secrets never kept. */
function storedParameters(raw: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (!isRecord(raw)) return out;
  for (const [k, v] of Object.entries(raw)) {
    if (SERVER_PARAMETERS.has(k.toLowerCase())) continue;
    out[k] = CONFIDENTIAL_PARAMETERS.has(k.toLowerCase()) || v === null || v === undefined ? null : String(v);
  }
  return out;
}

function stringMap(raw: unknown): Record<string, string> {
  return isRecord(raw)
    ? Object.fromEntries(
        Object.entries(raw)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      )
    : {};
}

export function devopsRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const org = escapeRe(state.organization);
  const at = (rest: string): RegExp => new RegExp(`^/${org}${rest}$`, 'i');
  const PROJECT = '/((?!_apis/)[^/]+)';
  const base = (): string => `${rt.options.baseUrls.devops}/${state.organization}`;
  const iso = (): string => new Date(rt.now()).toISOString();

  // ------------------------------------------------------------ representations

  const identityJson = (i: FakeIdentity): Record<string, unknown> => {
    const descriptor = `aad.${Buffer.from(i.id).toString('base64url')}`;
    const avatar = `${base()}/_apis/GraphProfile/MemberAvatars/${descriptor}`;
    return {
      displayName: i.displayName,
      url: `https://vssps.dev.azure.com/${state.organization}/_apis/Identities/${i.id}`,
      _links: { avatar: { href: avatar } },
      id: i.id,
      uniqueName: i.uniqueName,
      imageUrl: avatar,
      descriptor,
    };
  };

  const callerIdentity = (ctx: RouteContext): FakeIdentity => {
    const c = ctx.caller;
    if (!c) return PAT_USER;
    const appid = typeof c['appid'] === 'string' ? c['appid'] : undefined;
    return { id: c.oid, displayName: appid ? `Service principal ${appid}` : 'Platform operator', uniqueName: appid ?? `${c.oid}@${c.tid}` };
  };

  const projectJson = (p: FakeProject): Record<string, unknown> => ({
    id: p.id,
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    url: `${base()}/_apis/projects/${p.id}`,
    state: p.state,
    revision: p.revision,
    visibility: p.visibility,
    lastUpdateTime: p.lastUpdateTime,
  });

  /** A connection as Azure DevOps returns it; inside a project, `name` is its name there. */
  const endpointJson = (e: FakeServiceEndpoint, projectId?: string): Record<string, unknown> => {
    const fed = state.federation(e.id);
    const parameters: Record<string, string | null> = { ...e.parameters };
    if (fed) {
      parameters['workloadIdentityFederationIssuer'] = fed.issuer;
      parameters['workloadIdentityFederationSubject'] = fed.subject;
      if (fed.issuerType !== undefined) parameters['workloadIdentityFederationIssuerType'] = fed.issuerType;
    }
    const here = projectId === undefined ? undefined : e.projectReferences.find((r) => r.projectId === projectId);
    return {
      data: { ...e.data },
      id: e.id,
      name: here?.name ?? e.name,
      type: e.type,
      url: e.url,
      createdBy: identityJson(e.createdBy),
      description: e.description,
      authorization: { parameters, scheme: e.scheme },
      isShared: e.projectReferences.length > 1,
      isReady: e.isReady,
      owner: e.owner,
      ...(e.operationStatus ? { operationStatus: { ...e.operationStatus } } : {}),
      serviceEndpointProjectReferences: e.projectReferences.map((r) => ({
        projectReference: { id: r.projectId, name: state.project(r.projectId)?.name ?? '' },
        name: r.name,
        description: r.description,
      })),
    };
  };

  const permissionsJson = (endpointId: string, projectId: string): Record<string, unknown> | undefined => {
    const p = state.pipelinePermissions(projectId, endpointId);
    if (!p) return undefined;
    const auth = (a: { authorized: boolean; authorizedBy?: FakeIdentity; authorizedOn?: string }): Record<string, unknown> => ({
      authorized: a.authorized,
      ...(a.authorizedBy
        ? { authorizedBy: { displayName: a.authorizedBy.displayName, id: a.authorizedBy.id, uniqueName: a.authorizedBy.uniqueName } }
        : {}),
      ...(a.authorizedOn ? { authorizedOn: a.authorizedOn } : {}),
    });
    return {
      resource: { type: 'endpoint', id: endpointId },
      pipelines: p.pipelines.map((x) => ({ id: x.id, ...auth(x) })),
      ...(p.allPipelines ? { allPipelines: auth(p.allPipelines) } : {}),
    };
  };

  // ------------------------------------------------------------ rules

  /** Whether `name` is taken in `projectId` by a connection other than `exceptId` (case-insensitive). */
  const nameTaken = (projectId: string, name: string, exceptId?: string): boolean =>
    state
      .serviceEndpoints()
      .some(
        (e) =>
          e.id !== exceptId && e.projectReferences.some((r) => r.projectId === projectId && r.name.toLowerCase() === name.toLowerCase()),
      );

  type Reference = { project: FakeProject; name: string; description: string };
  /** Reads `serviceEndpointProjectReferences`-shaped entries; a Response on error. */
  const readReferences = (raw: unknown, fallbackName: string): Reference[] | Response => {
    if (!Array.isArray(raw) || raw.length === 0) return argument('serviceEndpointProjectReferences must name at least one project.');
    const refs: Reference[] = [];
    for (const r of raw) {
      const pr = isRecord(r) && isRecord(r['projectReference']) ? r['projectReference'] : undefined;
      const key = pr && typeof pr['id'] === 'string' ? pr['id'] : pr && typeof pr['name'] === 'string' ? pr['name'] : undefined;
      if (!isRecord(r) || key === undefined) return argument('Each serviceEndpointProjectReference needs projectReference.id.');
      const project = state.project(key);
      if (!project) return projectNotFound(key);
      refs.push({
        project,
        name: typeof r['name'] === 'string' && r['name'] !== '' ? r['name'] : fallbackName,
        description: typeof r['description'] === 'string' ? r['description'] : '',
      });
    }
    return refs;
  };

  const checkEndpointBody = (body: unknown): Record<string, unknown> | Response => {
    if (!isRecord(body)) return argument('The request body must be a service endpoint object.');
    if (typeof body['name'] !== 'string' || body['name'].trim() === '')
      return argument('Value cannot be null. Parameter name: endpoint.Name');
    if (typeof body['type'] !== 'string' || body['type'] === '') return argument('Value cannot be null. Parameter name: endpoint.Type');
    const auth = body['authorization'];
    if (!isRecord(auth) || typeof auth['scheme'] !== 'string')
      return argument('Value cannot be null. Parameter name: endpoint.Authorization');
    return body;
  };

  /** The azurerm input rules (ListEndpointTypes azurerm element; automate-service-connections.md). */
  const azurermProblem = (body: Record<string, unknown>): string | undefined => {
    const auth = body['authorization'] as Record<string, unknown>;
    const scheme = auth['scheme'] as string;
    if (!AZURERM_SCHEMES.includes(scheme)) return `Authorization scheme '${scheme}' is not supported for azurerm.`;
    const parameters = isRecord(auth['parameters']) ? auth['parameters'] : {};
    const wanted = scheme === 'ServicePrincipal' || scheme === WIF ? ['tenantid', 'serviceprincipalid'] : ['tenantid'];
    for (const key of wanted) if (!isGuid(String(parameters[key] ?? ''))) return `Required parameter '${key}' is missing or not a GUID.`;
    const data = stringMap(body['data']);
    // "Azure DevOps doesn't support the use of creationMode: Automatic for non-user principals";
    // seed automatic-mode connections with state.addServiceEndpoint instead.
    if (data['creationMode'] !== 'Manual') return `creationMode '${data['creationMode'] ?? ''}' is not supported here: use Manual.`;
    if (!ENVIRONMENTS.includes(data['environment'] ?? '')) return "Data 'environment' is missing or unknown.";
    const level = data['scopeLevel'] ?? 'Subscription';
    const required = level === 'ManagementGroup' ? ['managementGroupId', 'managementGroupName'] : ['subscriptionId', 'subscriptionName'];
    const missing = required.find((k) => !data[k]);
    return missing ? `Required data '${missing}' is missing for scope level ${level}.` : undefined;
  };

  // ------------------------------------------------------------ the deny list (permissions.ts)
  const deniedIn = (bits: number, projectId: string): boolean => {
    const project = state.project(projectId);
    return rt.permissions.devopsDenies(
      bits,
      (key) => key.toLowerCase() === projectId.toLowerCase() || (project !== undefined && key.toLowerCase() === project.name.toLowerCase()),
    );
  };
  // The message is the one observed for a caller without the Creator role (terraform-provider-azuredevops#723);
  // the status and type key the service sends with it are unconfirmed (403 and an access-check type here).
  const createRefused = (): Response =>
    devopsError(
      403,
      'AccessCheckException',
      'You do not have permission to create a service connection. You need to be a Creator for service connections in this project.',
    );
  // Wording of ours: the service's text for a missing Administer bit is not documented.
  const administerRefused = (e: { name: string }): Response =>
    devopsError(
      403,
      'AccessCheckException',
      `You do not have permission to manage the service connection ${e.name}. You need to be an Administrator for this service connection.`,
    );
  const cannotAdminister = (e: { projectReferences: readonly { projectId: string }[] }): boolean =>
    e.projectReferences.some((r) => deniedIn(SERVICE_ENDPOINT_BITS.Administer, r.projectId));

  /** `POST _apis/security/permissionevaluationbatch` (security 7.1): the caller's effective bits, per token. */
  const evaluate = (ctx: RouteContext): Response => {
    const body = ctx.body;
    const evaluations = isRecord(body) ? body['evaluations'] : undefined;
    if (
      !Array.isArray(evaluations) ||
      evaluations.length === 0 ||
      !evaluations.every(
        (e) =>
          isRecord(e) &&
          typeof e['securityNamespaceId'] === 'string' &&
          isGuid(e['securityNamespaceId']) &&
          typeof e['token'] === 'string' &&
          Number.isInteger(e['permissions']),
      )
    ) {
      return argument('The evaluation batch is missing or invalid: give { evaluations: [{ securityNamespaceId, token, permissions }] }.');
    }
    return json({
      evaluations: (evaluations as Array<Record<string, unknown>>).map((e) => {
        const ns = (e['securityNamespaceId'] as string).toLowerCase();
        const token = e['token'] as string;
        const bits = e['permissions'] as number;
        // ServiceEndpoints tokens: endpoints/{projectId}[/{endpointId}] (inheriting from the project).
        const projectId = ns === SERVICE_ENDPOINTS_NAMESPACE ? /^endpoints\/([^/]+)/i.exec(token)?.[1] : undefined;
        return {
          securityNamespaceId: e['securityNamespaceId'],
          token,
          permissions: bits,
          value: !(projectId !== undefined && deniedIn(bits, projectId)),
        };
      }),
    });
  };

  const create = (ctx: RouteContext): Response => {
    const body = checkEndpointBody(ctx.body);
    if (body instanceof Response) return body;
    const problem = (body['type'] as string).toLowerCase() === 'azurerm' ? azurermProblem(body) : undefined;
    if (problem) return argument(problem);
    const name = body['name'] as string;
    const refs = readReferences(body['serviceEndpointProjectReferences'], name);
    if (refs instanceof Response) return refs;
    if (refs.some((r) => deniedIn(SERVICE_ENDPOINT_BITS.Create, r.project.id))) return createRefused();
    for (const r of refs) if (nameTaken(r.project.id, r.name)) return duplicateName(r.name);
    const auth = body['authorization'] as Record<string, unknown>;
    const scheme = auth['scheme'] as string;
    const e = state.addServiceEndpoint({
      name,
      projects: refs.map((r) => r.project.id),
      type: body['type'] as string,
      url: typeof body['url'] === 'string' ? body['url'] : '',
      description: typeof body['description'] === 'string' ? body['description'] : '',
      scheme,
      createdBy: callerIdentity(ctx),
      isReady: body['isReady'] !== false,
    });
    // What the client sent, not the seeding defaults; client-sent issuer/subject are ignored.
    e.data = stringMap(body['data']);
    e.parameters = storedParameters(auth['parameters']);
    e.projectReferences = refs.map((r) => ({ projectId: r.project.id, name: r.name, description: r.description }));
    return json(endpointJson(e));
  };

  /** PUT of a whole endpoint (docs/reference/devops.md §5); `operation=ConvertAuthenticationScheme` converts to WIF. */
  const update = (ctx: RouteContext, id: string, raw: unknown): Response => {
    const e = state.serviceEndpoint(id);
    if (!e) return endpointNotFound(id);
    if (cannotAdminister(e)) return administerRefused(e);
    const body = checkEndpointBody(raw);
    if (body instanceof Response) return body;
    if (typeof body['id'] === 'string' && body['id'].toLowerCase() !== e.id)
      return argument(`The endpoint id in the body (${body['id']}) does not match the id in the URL (${e.id}).`);
    if ((body['type'] as string).toLowerCase() !== e.type.toLowerCase())
      return argument('The type of a service connection cannot be changed.');
    const auth = body['authorization'] as Record<string, unknown>;
    const scheme = auth['scheme'] as string;
    const operation = ctx.query.get('operation');
    if (operation !== null && operation !== 'ConvertAuthenticationScheme') return argument(`Unsupported operation '${operation}'.`);
    const converting = operation === 'ConvertAuthenticationScheme';
    if (converting) {
      // connect-to-azure.md: only automatic-mode ServicePrincipal connections used by one project.
      if (e.scheme !== 'ServicePrincipal' || e.data['creationMode'] !== 'Automatic' || e.projectReferences.length !== 1 || scheme !== WIF) {
        return devopsError(
          400,
          'InvalidOperationException',
          'Only a ServicePrincipal service connection created in automatic mode and used by a single project can be converted to workload identity federation.',
        );
      }
    }
    const name = body['name'] as string;
    for (const r of e.projectReferences) {
      const newName = r.name === e.name ? name : r.name;
      if (nameTaken(r.projectId, newName, e.id)) return duplicateName(newName);
    }
    for (const r of e.projectReferences) if (r.name === e.name) r.name = name;
    e.name = name;
    e.data = stringMap(body['data']);
    if (typeof body['url'] === 'string') e.url = body['url'];
    if (typeof body['description'] === 'string') e.description = body['description'];
    const wasWif = e.scheme === WIF;
    e.scheme = scheme;
    e.parameters = storedParameters(auth['parameters']);
    if (scheme !== WIF) e.federation = undefined;
    // docs/reference/federation.md §1 / troubleshoot-workload-identity.md: saving a WIF connection moves it to the
    // Entra issuer once the organization uses it; a new WIF connection gets the current format.
    else if (!wasWif || rt.options.issuerMode === 'entra') e.federation = rt.options.issuerMode;
    if (converting) {
      for (const k of Object.keys(e.parameters))
        if (!['tenantid', 'serviceprincipalid', 'scope', 'role'].includes(k.toLowerCase())) delete e.parameters[k];
      e.data['revertSchemeDeadline'] = new Date(rt.now() + REVERT_WINDOW_MS).toISOString();
      // Azure DevOps adds the FIC to the app it created itself (connect-to-azure.md); the FIC name is unconfirmed.
      const app = state.applicationByAppId(e.parameters['serviceprincipalid'] ?? '');
      const fed = state.federation(e.id);
      if (app && fed && !state.federatedCredentials(app.id).some((f) => f.issuer === fed.issuer && f.subject === fed.subject)) {
        state.addFederatedCredential(app.id, { name: `AzureDevOps-${e.id}`, issuer: fed.issuer, subject: fed.subject });
      }
    }
    return json(endpointJson(e));
  };

  const share = (ctx: RouteContext): Response => {
    const id = ctx.params[0] ?? '';
    const e = state.serviceEndpoint(id);
    if (!e) return endpointNotFound(id);
    if (cannotAdminister(e)) return administerRefused(e);
    const refs = readReferences(ctx.body, e.name);
    if (refs instanceof Response) return refs;
    for (const r of refs) if (nameTaken(r.project.id, r.name, e.id)) return duplicateName(r.name);
    for (const r of refs) {
      const existing = e.projectReferences.find((x) => x.projectId === r.project.id);
      if (existing) Object.assign(existing, { name: r.name, description: r.description });
      else e.projectReferences.push({ projectId: r.project.id, name: r.name, description: r.description });
    }
    state.touchServiceEndpoints();
    state.syncPipelinePermissions(e);
    return noContent();
  };

  const remove = (ctx: RouteContext): Response => {
    const id = ctx.params[0] ?? '';
    const projectIds = list(ctx.query.get('projectIds'));
    if (projectIds.length === 0) return argument('Value cannot be null. Parameter name: projectIds');
    const notGuid = projectIds.find((p) => !isGuid(p));
    if (notGuid !== undefined) return argument(`The value '${notGuid}' is not valid for projectIds.`);
    const e = state.serviceEndpoint(id);
    if (!e) return endpointNotFound(id);
    if (cannotAdminister(e)) return administerRefused(e);
    const removing = new Set(projectIds.map((p) => p.toLowerCase()));
    e.projectReferences = e.projectReferences.filter((r) => !removing.has(r.projectId));
    state.touchServiceEndpoints();
    if (e.projectReferences.length > 0) {
      state.syncPipelinePermissions(e);
      return noContent();
    }
    state.deleteServiceEndpoint(e.id);
    // `deep` deletes the identity Azure DevOps created for an automatic-mode connection (docs/reference/devops.md §6).
    if (ctx.query.get('deep') === 'true' && e.data['creationMode'] === 'Automatic') {
      const app = state.applicationByAppId(e.parameters['serviceprincipalid'] ?? '');
      if (app) state.deleteApplication(app.id);
    }
    return noContent();
  };

  const listInProject = (ctx: RouteContext): Response => {
    const project = state.project(ctx.params[0] ?? '');
    if (!project) return projectNotFound(ctx.params[0] ?? '');
    const q = ctx.query;
    const type = q.get('type')?.toLowerCase();
    const schemes = list(q.get('authSchemes')).map((s) => s.toLowerCase());
    const ids = list(q.get('endpointIds')).map((s) => s.toLowerCase());
    const names = list(q.get('endpointNames')).map((s) => s.toLowerCase());
    const owner = q.get('owner')?.toLowerCase();
    const includeFailed = q.get('includeFailed') === 'true';
    const rows = state
      .serviceEndpointsIn(project.id)
      .filter((e) => type === undefined || e.type.toLowerCase() === type)
      .filter((e) => schemes.length === 0 || schemes.includes(e.scheme.toLowerCase()))
      .filter((e) => ids.length === 0 || ids.includes(e.id))
      .filter(
        (e) =>
          names.length === 0 || names.includes((e.projectReferences.find((r) => r.projectId === project.id)?.name ?? e.name).toLowerCase()),
      )
      .filter((e) => owner === undefined || e.owner.toLowerCase() === owner)
      .filter((e) => includeFailed || e.operationStatus?.state.toLowerCase() !== 'failed')
      .map((e) => endpointJson(e, project.id));
    return json({ count: rows.length, value: rows });
  };

  const oidcToken = (ctx: RouteContext): Response => {
    const [projectId, , planId, jobId] = ctx.params;
    if (!isGuid(projectId ?? '') || !isGuid(planId ?? '') || !isGuid(jobId ?? ''))
      return argument('scopeIdentifier, planId and jobId must be GUIDs.');
    if (ctx.body !== undefined && !(isRecord(ctx.body) && Object.values(ctx.body).every((v) => typeof v === 'string'))) {
      return argument('The request body must be a JSON object of strings.');
    }
    if (!state.project(projectId!)) return projectNotFound(projectId!);
    const endpointId = ctx.query.get('serviceConnectionId');
    // Without serviceConnectionId Azure DevOps mints a pipeline-identity token: not modelled.
    if (endpointId === null) return argument('This fake mints OIDC tokens for service connections only: serviceConnectionId is required.');
    const e = state.serviceEndpoint(endpointId);
    if (!e || !e.projectReferences.some((r) => r.projectId === projectId!.toLowerCase())) return endpointNotFound(endpointId);
    const fed = state.federation(e.id);
    if (!fed)
      return devopsError(400, 'InvalidOperationException', `Service connection ${e.name} does not use workload identity federation.`);
    const now = Math.floor(rt.now() / 1000);
    const entra = fed.issuer.startsWith('https://login.microsoftonline.com/');
    // docs/reference/federation.md §3. Both formats carry the FIC audience here (the real Entra-issued token's aud
    // is an Azure DevOps GUID; the fake keeps one audience rule at its token endpoint).
    const claims: Record<string, unknown> = {
      jti: rt.newId(),
      iss: fed.issuer,
      sub: fed.subject,
      aud: TOKEN_EXCHANGE_AUDIENCE,
      nbf: now,
      iat: now,
      exp: now + (entra ? ENTRA_TOKEN_SECONDS : LEGACY_TOKEN_SECONDS),
      ...(entra ? { azp: AZURE_DEVOPS_APP_ID, idtyp: 'app', tid: e.parameters['tenantid'] ?? state.tenantId, ver: '2.0' } : {}),
    };
    return json({ oidcToken: rt.signer.sign(claims) });
  };

  return [
    {
      method: 'POST',
      pattern: at('/_apis/security/permissionevaluationbatch'),
      operation: 'permissions.evaluateBatch',
      apiVersion: API,
      handle: evaluate,
    },
    {
      method: 'GET',
      pattern: at('/_apis/connectionData'),
      operation: 'connectionData.get',
      handle: (ctx) => {
        const me = callerIdentity(ctx);
        const user = {
          id: me.id,
          descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${state.tenantId}\\${me.uniqueName}`,
          providerDisplayName: me.displayName,
          isActive: true,
          properties: {},
          resourceVersion: 2,
          metaTypeId: 0,
        };
        return json({
          authenticatedUser: user,
          authorizedUser: user,
          instanceId: state.organizationId,
          deploymentId: guidFrom(`deployment/${state.organizationId}`),
          deploymentType: 'hosted',
          locationServiceData: {
            serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7',
            defaultAccessMappingMoniker: 'PublicAccessMapping',
            lastChangeId: 1,
            lastChangeId64: 1,
          },
          webApplicationRelativeDirectory: `/${state.organization}/`,
        });
      },
    },
    {
      method: 'GET',
      pattern: at('/_apis/projects'),
      operation: 'projects.list',
      apiVersion: API,
      handle: (ctx) => {
        const num = (name: string, fallback: number): number | undefined => {
          const v = ctx.query.get(name);
          const n = v === null ? fallback : Number(v);
          return Number.isInteger(n) && n >= 0 ? n : undefined;
        };
        const top = num('$top', DEFAULT_PROJECT_PAGE);
        const skip = num('$skip', 0);
        const token = num('continuationToken', 0);
        if (top === undefined || top === 0 || skip === undefined || token === undefined)
          return argument('$top, $skip and continuationToken must be non-negative integers.');
        // Every project of the fake is wellFormed (docs/reference/devops.md §9: the default stateFilter).
        const stateFilter = ctx.query.get('stateFilter')?.toLowerCase();
        if (stateFilter !== undefined && !PROJECT_STATES.includes(stateFilter))
          return argument(`The value '${stateFilter}' is not valid for stateFilter.`);
        const all = stateFilter === undefined || stateFilter === 'all' || stateFilter === 'wellformed' ? state.projects() : [];
        const start = token + skip;
        const rows = all.slice(start, start + top).map(projectJson);
        // docs/reference/devops.md §9: more pages are announced only by the x-ms-continuationtoken header.
        const headers: Record<string, string> = start + top < all.length ? { 'x-ms-continuationtoken': String(start + top) } : {};
        return json({ count: rows.length, value: rows }, 200, headers);
      },
    },
    {
      method: 'GET',
      pattern: at('/_apis/projects/([^/]+)'),
      operation: 'projects.get',
      apiVersion: API,
      handle: (ctx) => {
        const p = state.project(ctx.params[0] ?? '');
        if (!p) return projectNotFound(ctx.params[0] ?? '');
        const self = `${base()}/_apis/projects/${p.id}`;
        return json({
          ...projectJson(p),
          _links: {
            self: { href: self },
            collection: { href: `${base()}/_apis/projectCollections/${state.organizationId}` },
            web: { href: `${base()}/${encodeURIComponent(p.name)}` },
          },
          defaultTeam: { id: guidFrom(`team/${p.id}`), name: `${p.name} Team`, url: `${self}/teams/${guidFrom(`team/${p.id}`)}` },
        });
      },
    },
    {
      method: 'POST',
      pattern: at('/_apis/serviceendpoint/endpoints'),
      operation: 'serviceEndpoints.create',
      apiVersion: API,
      handle: create,
    },
    {
      method: 'PUT',
      pattern: at('/_apis/serviceendpoint/endpoints'),
      operation: 'serviceEndpoints.updateMany',
      apiVersion: API,
      handle: async (ctx) => {
        if (!Array.isArray(ctx.body)) return argument('The request body must be an array of service endpoints.');
        const value: unknown[] = [];
        for (const item of ctx.body) {
          const res = update(ctx, isRecord(item) && typeof item['id'] === 'string' ? item['id'] : '', item);
          if (res.status !== 200) return res;
          value.push(await res.json());
        }
        return json({ count: value.length, value });
      },
    },
    {
      method: 'PUT',
      pattern: at('/_apis/serviceendpoint/endpoints/([^/]+)'),
      operation: 'serviceEndpoints.update',
      apiVersion: API,
      handle: (ctx) => update(ctx, ctx.params[0] ?? '', ctx.body),
    },
    {
      method: 'PATCH',
      pattern: at('/_apis/serviceendpoint/endpoints/([^/]+)'),
      operation: 'serviceEndpoints.share',
      apiVersion: API,
      handle: share,
    },
    {
      method: 'DELETE',
      pattern: at('/_apis/serviceendpoint/endpoints/([^/]+)'),
      operation: 'serviceEndpoints.delete',
      apiVersion: API,
      handle: remove,
    },
    {
      method: 'GET',
      pattern: at(`${PROJECT}/_apis/serviceendpoint/endpoints`),
      operation: 'serviceEndpoints.list',
      apiVersion: API,
      handle: listInProject,
    },
    {
      method: 'GET',
      pattern: at(`${PROJECT}/_apis/serviceendpoint/endpoints/([^/]+)`),
      operation: 'serviceEndpoints.get',
      apiVersion: API,
      handle: (ctx) => {
        const project = state.project(ctx.params[0] ?? '');
        if (!project) return projectNotFound(ctx.params[0] ?? '');
        const e = state.serviceEndpoint(ctx.params[1] ?? '');
        // docs/reference/devops.md §2: a missing id is answered 200 with an empty body or 404 depending on version
        // (unconfirmed); the fake answers 200 with a JSON null, what the .NET server writes for null.
        if (!e || !e.projectReferences.some((r) => r.projectId === project.id)) return json(null);
        return json(endpointJson(e, project.id));
      },
    },
    {
      method: 'PUT',
      pattern: at(`${PROJECT}/_apis/serviceendpoint/endpoints/([^/]+)`),
      operation: 'serviceEndpoints.update',
      apiVersion: API,
      handle: (ctx) => {
        const project = state.project(ctx.params[0] ?? '');
        if (!project) return projectNotFound(ctx.params[0] ?? '');
        const e = state.serviceEndpoint(ctx.params[1] ?? '');
        if (e && !e.projectReferences.some((r) => r.projectId === project.id)) return endpointNotFound(ctx.params[1] ?? '');
        return update(ctx, ctx.params[1] ?? '', ctx.body);
      },
    },
    {
      method: 'GET',
      pattern: at(`${PROJECT}/_apis/pipelines/pipelinePermissions/endpoint/([^/]+)`),
      operation: 'pipelinePermissions.get',
      apiVersion: PREVIEW,
      handle: (ctx) => {
        const body = permissionsJson((ctx.params[1] ?? '').toLowerCase(), ctx.params[0] ?? '');
        return body ? json(body) : endpointNotFound(ctx.params[1] ?? '');
      },
    },
    {
      method: 'PATCH',
      pattern: at(`${PROJECT}/_apis/pipelines/pipelinePermissions/endpoint/([^/]+)`),
      operation: 'pipelinePermissions.update',
      apiVersion: PREVIEW,
      handle: (ctx) => {
        const [projectKey = '', rawId = ''] = ctx.params;
        const id = rawId.toLowerCase();
        const p = state.pipelinePermissions(projectKey, id);
        if (!p) return endpointNotFound(rawId);
        const endpoint = state.serviceEndpoint(id);
        if (endpoint && cannotAdminister(endpoint)) return administerRefused(endpoint);
        const body = ctx.body;
        if (!isRecord(body)) return argument('The request body must be a resource pipeline permissions object.');
        const resource = body['resource'];
        if (isRecord(resource) && !(String(resource['id']).toLowerCase() === id && String(resource['type']).toLowerCase() === 'endpoint')) {
          return argument('The resource in the body does not match the resource in the URL.');
        }
        const pipelines = body['pipelines'] ?? [];
        if (
          !Array.isArray(pipelines) ||
          !pipelines.every((x) => isRecord(x) && Number.isInteger(x['id']) && typeof x['authorized'] === 'boolean')
        ) {
          return argument('pipelines must be a list of { id: integer, authorized: boolean }.');
        }
        const all = body['allPipelines'];
        if (all !== undefined && all !== null && !(isRecord(all) && typeof all['authorized'] === 'boolean'))
          return argument('allPipelines must be { authorized: boolean }.');
        const by = callerIdentity(ctx);
        const on = iso();
        // Merge: listed pipelines take the new flag (a revoked one stays listed as not authorized),
        // the others keep theirs.
        for (const x of pipelines as Array<{ id: number; authorized: boolean }>) {
          p.pipelines = [
            ...p.pipelines.filter((q) => q.id !== x.id),
            { id: x.id, authorized: x.authorized, authorizedBy: by, authorizedOn: on },
          ];
        }
        if (isRecord(all)) p.allPipelines = { authorized: all['authorized'] as boolean, authorizedBy: by, authorizedOn: on };
        return json(permissionsJson(id, projectKey));
      },
    },
    {
      method: 'POST',
      pattern: at(`${PROJECT}/_apis/distributedtask/hubs/([^/]+)/plans/([^/]+)/jobs/([^/]+)/oidctoken`),
      operation: 'oidcToken.create',
      apiVersion: PREVIEW,
      handle: oidcToken,
    },
  ];
}
