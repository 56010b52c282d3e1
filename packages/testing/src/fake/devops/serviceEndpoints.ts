/**
 * `_apis/serviceendpoint/endpoints` (serviceendpoint 7.1) in the fake: service connections with the
 * rules of `docs/reference/devops.md` and `docs/reference/federation.md` (server-generated WIF
 * issuer/subject in the Entra or legacy format, name unique per project, sharing across projects,
 * conversion of automatic ServicePrincipal connections).
 */
import type { RouteContext } from '../../_router';
import { isGuid, isRecord, json, noContent } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { SERVICE_ENDPOINT_BITS } from '../permissions';
import { CONFIDENTIAL_PARAMETERS, type FakeProject, type FakeServiceEndpoint } from '../state';
import {
  administerRefused,
  API,
  argument,
  callerIdentity,
  cannotAdminister,
  deniedIn,
  devopsError,
  endpointNotFound,
  identityJson,
  orgPath,
  PROJECT,
  projectNotFound,
  WIF,
} from './_common';

const SERVER_PARAMETERS = new Set([
  'workloadidentityfederationissuer',
  'workloadidentityfederationsubject',
  'workloadidentityfederationissuertype',
]);
/** Lifetimes observed for connection-bound OIDC tokens (docs/reference/federation.md §3). */
const REVERT_WINDOW_MS = 7 * 24 * 3600 * 1000;
const AZURERM_SCHEMES = ['ServicePrincipal', WIF, 'ManagedServiceIdentity', 'PublishProfile'];
const ENVIRONMENTS = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment', 'AzureGermanCloud', 'AzureStack'];

// docs/reference/devops.md §11: a duplicate name is HTTP 500 with DuplicateServiceConnectionException (observed).
const duplicateName = (name: string): Response =>
  devopsError(
    500,
    'DuplicateServiceConnectionException',
    `Service connection with name ${name} already exists. Only a user having Administrator/User role permissions on service connection ${name} can see it.`,
  );

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

export function serviceEndpointRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const at = orgPath(rt);

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
      createdBy: identityJson(rt, e.createdBy),
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

  /** The azurerm input rules (ListEndpointTypes azurerm element; https://learn.microsoft.com/azure/devops/pipelines/release/automate-service-connections). */
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

  // The message is the one observed for a caller without the Creator role (terraform-provider-azuredevops#723);
  // the status and type key the service sends with it are unconfirmed (403 and an access-check type here).
  const createRefused = (): Response =>
    devopsError(
      403,
      'AccessCheckException',
      'You do not have permission to create a service connection. You need to be a Creator for service connections in this project.',
    );
  // Wording of ours: the service's text for a missing Administer bit is not documented.

  const create = (ctx: RouteContext): Response => {
    const body = checkEndpointBody(ctx.body);
    if (body instanceof Response) return body;
    const problem = (body['type'] as string).toLowerCase() === 'azurerm' ? azurermProblem(body) : undefined;
    if (problem) return argument(problem);
    const name = body['name'] as string;
    const refs = readReferences(body['serviceEndpointProjectReferences'], name);
    if (refs instanceof Response) return refs;
    if (refs.some((r) => deniedIn(rt, SERVICE_ENDPOINT_BITS.Create, r.project.id))) return createRefused();
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
    if (cannotAdminister(rt, e)) return administerRefused(e);
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
      // https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure: only automatic-mode ServicePrincipal connections used by one project.
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
    // docs/reference/federation.md §1 / https://learn.microsoft.com/azure/devops/pipelines/release/troubleshoot-workload-identity: saving a WIF connection moves it to the
    // Entra issuer once the organization uses it; a new WIF connection gets the current format.
    else if (!wasWif || rt.options.issuerMode === 'entra') e.federation = rt.options.issuerMode;
    if (converting) {
      for (const k of Object.keys(e.parameters))
        if (!['tenantid', 'serviceprincipalid', 'scope', 'role'].includes(k.toLowerCase())) delete e.parameters[k];
      e.data['revertSchemeDeadline'] = new Date(rt.now() + REVERT_WINDOW_MS).toISOString();
      // Azure DevOps adds the FIC to the app it created itself (https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure); the FIC name is unconfirmed.
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
    if (cannotAdminister(rt, e)) return administerRefused(e);
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
    if (cannotAdminister(rt, e)) return administerRefused(e);
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

  return [
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
  ];
}
