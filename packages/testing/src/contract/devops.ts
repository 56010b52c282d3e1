/**
 * Contract handlers for Azure DevOps: projects, service endpoints, pipeline permissions, the
 * in-pipeline OIDC token and connectionData. Happy paths answer from the official examples in
 * `fixtures/` (`ado-*.json`), echoing what the real service echoes (ids, names, project references);
 * each route rejects what the real service rejects, with its error body (`docs/reference/devops.md` §11).
 * The organization comes from the path: `{baseUrl}/{organization}/…`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { HttpResponse, type HttpHandler } from 'msw';
import * as z from 'zod';
import { TEST_TENANT_ID } from '../credential';
import { loadFixture } from '../fixtures';
import { badRequest, type RequestLogEntry, type Route, type RouteContext, serviceError, serviceRouter } from '../_router';
import { devopsGovernanceRoutes, identitiesContractRoute } from './devopsGovernance';
import { same } from '../_compare';

export interface DevopsContractOptions {
  /** Base URL the handlers serve, without the organization (default: `https://dev.azure.com`). */
  readonly baseUrl?: string;
  /** Receives every request that reached a route. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /**
   * The issuer/subject format of workload identity federation connections and OIDC tokens:
   * `entra` (default; what new connections get) or the legacy Azure DevOps issuer `vstoken`
   * (`docs/reference/federation.md` §1).
   */
  readonly issuerFormat?: 'entra' | 'vstoken';
  /** The organization id (connectionData `instanceId`, and inside issuer/subject). Default: derived from the name. */
  readonly organizationId?: string;
  /** Projects per page of `GET _apis/projects` (the service pages at 100). */
  readonly projectsPageSize?: number;
  /** Base URL of the identities service (default `https://vssps.dev.azure.com`). */
  readonly identitiesBaseUrl?: string;
  /**
   * How `POST _apis/security/permissionevaluationbatch` answers one evaluation (default: granted).
   * The answer's shape follows the official example `ado-security-7.1-POST__permissionevaluationbatch.json`.
   */
  readonly hasPermission?: (namespaceId: string, token: string, permissions: number) => boolean;
  /** Projects served besides the three of the official example. */
  readonly projects?: readonly { readonly id: string; readonly name: string; readonly description?: string }[];
}

type Json = Record<string, unknown>;
interface Example {
  readonly parameters?: { readonly body?: unknown };
  readonly responses: Record<string, { readonly body?: unknown }>;
}

// PermissionEvaluationBatch (security 7.1): the request the service reads.
const EvaluationBatch = z.object({
  alwaysAllowAdministrators: z.boolean().optional(),
  evaluations: z
    .array(
      z.object({
        securityNamespaceId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
        token: z.string().min(1),
        permissions: z.number().int().nonnegative(),
      }),
    )
    .min(1),
});

const AZURE_DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROJECT = '(?!_apis/)([^/]+)';
/** Confidential parameters: accepted on input, always answered as `null` (CreateAzureRMEndpoint example). */
const SECRET_PARAMETERS = new Set(['serviceprincipalkey', 'serviceprincipalcertificate', 'password', 'accesstoken', 'apitoken']);
/** Read-only, server-generated: "cannot be set by the user" (azurerm input descriptors). */
const WIF_PARAMETERS = ['workloadIdentityFederationIssuer', 'workloadIdentityFederationSubject', 'workloadIdentityFederationIssuerType'];
const AZURERM_SCHEMES = ['ServicePrincipal', 'WorkloadIdentityFederation', 'ManagedServiceIdentity', 'PublishProfile'];
const ENVIRONMENTS = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment', 'AzureGermanCloud', 'AzureStack'];
const PROJECT_STATES = ['deleting', 'new', 'wellFormed', 'createPending', 'all', 'unchanged', 'deleted'];
const PIPELINE_RESOURCE_TYPES = ['endpoint', 'queue', 'variablegroup', 'securefile', 'environment', 'repository'];

/**
 * The official Pipeline Permissions example (`PATCH__UpdatePipelinePermissionsForResource.json`,
 * MicrosoftDocs/vsts-rest-api-specs `specification/approvalsAndChecks/7.1/httpExamples/pipelinePermissions/`
 * @ c0155ba2a0a5eb4d24ba2b164969d72337db6ed6), transcribed because it is not in `fixtures/` yet:
 * pipelines 6 and 15 are the ones already authorized before a PATCH.
 */
const EXAMPLE_AUTHORIZED_BY = {
  displayName: 'User Name',
  id: '3b3db741-9d03-4e32-a7c0-6c3dfc2013c1',
  uniqueName: 'uniqueName',
  descriptor: 'Descriptor',
};
const EXAMPLE_PIPELINES = [
  { id: 6, authorized: true, authorizedBy: EXAMPLE_AUTHORIZED_BY, authorizedOn: '2020-01-02T08:59:48.77Z' },
  { id: 15, authorized: true, authorizedBy: EXAMPLE_AUTHORIZED_BY, authorizedOn: '2020-11-19T08:14:49.26Z' },
];

const projectReferenceSchema = z.looseObject({
  projectReference: z.looseObject({ id: z.string().regex(GUID, 'must be a project id (GUID)'), name: z.string().nullish() }),
  name: z.string().min(1),
  description: z.string().nullish(),
});
const parametersSchema = z.record(z.string(), z.string().nullable());
const endpointBodySchema = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  url: z.string().nullish(),
  description: z.string().nullish(),
  authorization: z.looseObject({ scheme: z.string().min(1), parameters: parametersSchema.nullish() }),
  data: parametersSchema.nullish(),
  isShared: z.boolean().optional(),
  isReady: z.boolean().optional(),
  serviceEndpointProjectReferences: z.array(projectReferenceSchema).min(1, 'needs at least one project reference'),
});
type EndpointBody = z.output<typeof endpointBodySchema>;
const pipelinePermissionsBodySchema = z.looseObject({
  resource: z.looseObject({ id: z.string(), type: z.string() }).nullish(),
  pipelines: z.array(z.looseObject({ id: z.number().int(), authorized: z.boolean() })).nullish(),
  allPipelines: z.looseObject({ authorized: z.boolean() }).nullish(),
});

/** A stable GUID from a text (sha-1, version-5 layout), for ids the service would assign. */
function guidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** base64url of a GUID in .NET (little-endian) byte order: the `/t/…/a/…` parts of the Entra subject. */
function dotNetGuidBase64Url(guid: string): string {
  const hex = guid.replace(/-/g, '');
  const bytes = Buffer.from(hex, 'hex');
  const swapped = Buffer.concat([
    bytes.subarray(0, 4).reverse(),
    bytes.subarray(4, 6).reverse(),
    bytes.subarray(6, 8).reverse(),
    bytes.subarray(8),
  ]);
  return swapped.toString('base64url');
}

function invalid(error: z.ZodError): Response {
  const first = error.issues[0];
  return badRequest('devops', `Invalid request body: ${first ? `${first.path.join('.') || 'body'} ${first.message}` : 'unreadable'}.`);
}

function param(parameters: Record<string, string | null> | null | undefined, key: string): string | undefined {
  const found = Object.keys(parameters ?? {}).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : (parameters?.[found] ?? undefined);
}

function boolQuery(ctx: RouteContext, ...names: string[]): Response | undefined {
  for (const name of names) {
    const v = ctx.query.get(name);
    if (v !== null && !/^(true|false)$/i.test(v)) return badRequest('devops', `The value '${v}' is not valid for ${name}.`);
  }
  return undefined;
}

/** Contract handlers for Azure DevOps (see the module comment). */
export function devopsContractHandlers(options: DevopsContractOptions = {}): HttpHandler[] {
  const baseUrl = (options.baseUrl ?? 'https://dev.azure.com').replace(/\/+$/, '');
  const issuerFormat = options.issuerFormat ?? 'entra';
  const pageSize = options.projectsPageSize ?? 100;
  const orgId = (org: string): string => options.organizationId ?? guidFrom(`organization:${org.toLowerCase()}`);

  const projects = [
    ...(loadFixture<Example>('ado-core-7.1-GET__projects.json').responses['200']!.body as { value: Json[] }).value,
    ...(options.projects ?? []).map((p) => ({ ...p, state: 'wellFormed' })),
  ] as (Json & { id: string; name: string; state?: string })[];
  const projectAt = (org: string, p: Json & { id: string }): Json => ({ ...p, url: `${baseUrl}/${org}/_apis/projects/${p.id}` });

  const example = (name: string): Json => structuredClone(loadFixture<Example>(name).responses['200']!.body) as Json;
  const createExample = example('ado-serviceEndpoint-7.1-CreateAzureRMEndpoint.json');

  /** Issuer, subject and issuer type as the service generates them for a WIF connection. */
  const federation = (org: string, tenantId: string, connectionId: string, projectName: string, name: string): Record<string, string> =>
    issuerFormat === 'entra'
      ? {
          workloadIdentityFederationIssuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
          workloadIdentityFederationIssuerType: 'EntraID',
          workloadIdentityFederationSubject: `/eid1/c/pub/t/${dotNetGuidBase64Url(tenantId)}/a/${dotNetGuidBase64Url(AZURE_DEVOPS_APP_ID)}/sc/${orgId(org)}/${connectionId}`,
        }
      : {
          // The issuer type of legacy connections is not documented: left out (docs/reference/federation.md §1).
          workloadIdentityFederationIssuer: `https://vstoken.dev.azure.com/${orgId(org)}`,
          workloadIdentityFederationSubject: `sc://${org}/${projectName}/${name}`,
        };

  /** The endpoint the service answers for `body`: secrets nulled, WIF parameters generated. */
  const answer = (org: string, id: string, body: EndpointBody): Json => {
    const parameters: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(body.authorization.parameters ?? {})) {
      if (WIF_PARAMETERS.some((w) => same(k, w))) continue;
      parameters[k] = SECRET_PARAMETERS.has(k.toLowerCase()) ? null : v;
    }
    if (same(body.authorization.scheme, 'WorkloadIdentityFederation')) {
      const reference = body.serviceEndpointProjectReferences[0]!;
      Object.assign(
        parameters,
        federation(org, param(parameters, 'tenantid') ?? '', id, reference.projectReference.name ?? '', reference.name),
      );
    }
    return { ...body, id, authorization: { ...body.authorization, parameters } };
  };

  /** What `GET …/endpoints` lists in any project: the official examples, and a WIF connection built from the docs request. */
  const listed = (org: string): Json[] => {
    const wif = endpointBodySchema.parse(loadFixture('ado-docs-wif-create-request.json'));
    return [
      ...(example('ado-serviceEndpoint-7.1-ListEndpoints.json')['value'] as Json[]),
      createExample,
      { ...answer(org, guidFrom(`endpoint:${wif.name}`), wif), createdBy: createExample['createdBy'], owner: 'library' },
    ];
  };

  /** The azurerm checks the service makes on create/update; the first problem, or undefined. */
  const azurermProblem = (body: EndpointBody): string | undefined => {
    const { scheme } = body.authorization;
    if (!AZURERM_SCHEMES.some((s) => same(scheme, s))) return `Authorization scheme '${scheme}' is not supported for azurerm.`;
    const parameters = body.authorization.parameters;
    if (same(scheme, 'ServicePrincipal') || same(scheme, 'WorkloadIdentityFederation')) {
      for (const key of ['tenantid', 'serviceprincipalid']) {
        if (!GUID.test(param(parameters, key) ?? '')) return `Required parameter '${key}' is missing or not a GUID.`;
      }
    }
    const data = body.data ?? {};
    const creationMode = param(data, 'creationMode');
    if (creationMode === undefined) return "Required data 'creationMode' is missing.";
    // https://learn.microsoft.com/azure/devops/pipelines/release/automate-service-connections: "Azure DevOps doesn't support the use of creationMode: Automatic for non-user principals".
    if (!same(creationMode, 'Manual')) return `creationMode '${creationMode}' is not supported here: automation must use Manual.`;
    if (!ENVIRONMENTS.some((e) => same(param(data, 'environment'), e))) return "Data 'environment' is missing or unknown.";
    // wif always states the level; an omitted one is not defaulted here, so the omission shows.
    const level = param(data, 'scopeLevel');
    if (level === undefined) return "Required data 'scopeLevel' is missing.";
    if (!['Subscription', 'ManagementGroup'].some((l) => same(level, l))) return `Data 'scopeLevel' '${level}' is not a known scope level.`;
    const required = same(level, 'ManagementGroup') ? ['managementGroupId', 'managementGroupName'] : ['subscriptionId', 'subscriptionName'];
    const missing = required.find((k) => !param(data, k));
    return missing ? `Required data '${missing}' is missing for scope level ${level}.` : undefined;
  };

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/([^/]+)\/_apis\/security\/permissionevaluationbatch$/i,
      operation: 'POST permissionevaluationbatch',
      apiVersion: '7.1',
      handle(ctx) {
        const parsed = EvaluationBatch.safeParse(ctx.body);
        if (!parsed.success)
          return badRequest(
            'devops',
            'The evaluation batch is missing or invalid: give { evaluations: [{ securityNamespaceId, token, permissions }] }.',
          );
        const evaluations = parsed.data.evaluations.map((e) => ({
          securityNamespaceId: e.securityNamespaceId,
          token: e.token,
          permissions: e.permissions,
          value: (options.hasPermission ?? (() => true))(e.securityNamespaceId, e.token, e.permissions),
        }));
        return HttpResponse.json({ evaluations });
      },
    },
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/_apis\/projects$/i,
      operation: 'GET projects',
      apiVersion: '7.1',
      handle(ctx) {
        const [org = ''] = ctx.params;
        const state = ctx.query.get('stateFilter');
        if (state !== null && !PROJECT_STATES.some((s) => same(state, s)))
          return badRequest('devops', `The value '${state}' is not valid for stateFilter.`);
        const ints = ['$top', '$skip', 'continuationToken'].map((n) => [n, ctx.query.get(n)] as const);
        const bad = ints.find(([, v]) => v !== null && !/^\d+$/.test(v));
        if (bad) return badRequest('devops', `The value '${bad[1]}' is not valid for ${bad[0]}.`);
        // continuationToken: "Pointer that shows how many projects already been fetched" (core 7.1 spec).
        // How $top interacts with paging is not documented: here it caps one page.
        const start = Number(ctx.query.get('continuationToken') ?? 0);
        const top = ctx.query.get('$top');
        const size = Math.min(pageSize, top === null ? pageSize : Number(top));
        const matching = projects.filter((p) => state === null || same(state, 'all') || same(p.state, state));
        const page = matching.slice(start, start + size).map((p) => projectAt(org, p));
        const more = start + size < matching.length;
        return HttpResponse.json(
          { count: page.length, value: page },
          { headers: more ? { 'x-ms-continuationtoken': String(start + size) } : {} },
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/_apis\/projects\/([^/]+)$/i,
      operation: 'GET project',
      apiVersion: '7.1',
      handle(ctx) {
        const [org = '', key = ''] = ctx.params;
        const project = projects.find((p) => same(p.id, key) || same(p.name, key));
        return project
          ? HttpResponse.json(projectAt(org, project))
          : serviceError(
              'devops',
              404,
              'ProjectDoesNotExistWithNameException',
              `TF200016: The following project does not exist: ${key}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
            );
      },
    },
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/_apis\/connectionData$/i,
      operation: 'GET connectionData',
      apiVersion: ['7.1-preview', '7.1-preview.1'],
      handle(ctx) {
        const [org = ''] = ctx.params;
        // No official example: the fields of the SDK's ConnectionData interface (docs/reference/devops.md §10).
        const user = {
          id: ctx.caller?.oid ?? guidFrom('pat-user'),
          providerDisplayName: 'wif test caller',
          isActive: true,
          properties: {},
        };
        return HttpResponse.json({
          authenticatedUser: user,
          authorizedUser: user,
          instanceId: orgId(org),
          deploymentId: guidFrom('deployment'),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/([^/]+)/${PROJECT}/_apis/serviceendpoint/endpoints$`, 'i'),
      operation: 'GET serviceendpoints',
      apiVersion: '7.1',
      handle(ctx) {
        const [org = '', project = ''] = ctx.params;
        const wrong = boolQuery(ctx, 'includeFailed', 'includeDetails');
        if (wrong) return wrong;
        const type = ctx.query.get('type');
        const namesParam = ctx.query.get('endpointNames');
        let value: Json[];
        if (namesParam !== null) {
          const names = namesParam
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean);
          if (names.length === 0) return badRequest('devops', 'Value cannot be null. Parameter name: endpointNames');
          // Echo each name as found, as GetServiceEndpointsByName does for its one name.
          const item = (example('ado-serviceEndpoint-7.1-GetServiceEndpointsByName.json')['value'] as Json[])[0]!;
          const refs = item['serviceEndpointProjectReferences'] as Json[];
          value = names.map((name) => ({
            ...item,
            id: guidFrom(`endpoint:${project}/${name.toLowerCase()}`),
            name,
            ...(type !== null ? { type } : {}),
            serviceEndpointProjectReferences: refs.map((r) => ({ ...r, name })),
          }));
        } else {
          const schemes = ctx.query.get('authSchemes')?.split(',').filter(Boolean);
          value = listed(org).filter(
            (e) =>
              (type === null || same(e['type'] as string, type)) &&
              (!schemes || schemes.some((s) => same((e['authorization'] as { scheme?: string })?.scheme, s))),
          );
        }
        return HttpResponse.json({ count: value.length, value });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/([^/]+)/${PROJECT}/_apis/serviceendpoint/endpoints/([^/]+)$`, 'i'),
      operation: 'GET serviceendpoint',
      apiVersion: '7.1',
      handle(ctx) {
        const [org = '', , id = ''] = ctx.params;
        const known = listed(org).find((e) => same(e['id'] as string, id));
        return HttpResponse.json(known ?? { ...example('ado-serviceEndpoint-7.1-GetServiceEndpointDetails.json'), id });
      },
    },
    {
      method: 'POST',
      pattern: /^\/([^/]+)\/_apis\/serviceendpoint\/endpoints$/i,
      operation: 'POST serviceendpoint',
      apiVersion: '7.1',
      handle(ctx) {
        const [org = ''] = ctx.params;
        const parsed = endpointBodySchema.safeParse(ctx.body);
        if (!parsed.success) return invalid(parsed.error);
        const body = parsed.data;
        if (same(body.type, 'azurerm')) {
          const problem = azurermProblem(body);
          if (problem) return badRequest('devops', problem);
        }
        return HttpResponse.json({
          ...answer(org, randomUUID(), { ...body, data: body.data ?? {}, description: body.description ?? '' }),
          createdBy: createExample['createdBy'],
          isShared: false,
          isReady: true,
          owner: 'library',
        });
      },
    },
    ...[
      new RegExp(`^/([^/]+)/_apis/serviceendpoint/endpoints/([^/]+)$`, 'i'),
      new RegExp(`^/([^/]+)/${PROJECT}/_apis/serviceendpoint/endpoints/([^/]+)$`, 'i'),
    ].map((pattern): Route => ({
      method: 'PUT',
      pattern,
      operation: 'PUT serviceendpoint',
      apiVersion: '7.1',
      handle(ctx) {
        const org = ctx.params[0] ?? '';
        const id = ctx.params[ctx.params.length - 1] ?? '';
        const parsed = endpointBodySchema.extend({ id: z.string() }).safeParse(ctx.body);
        if (!parsed.success) return invalid(parsed.error);
        const body = parsed.data;
        if (!same(body.id, id)) return badRequest('devops', `The endpoint id '${body.id}' in the body does not match '${id}' in the URL.`);
        if (same(ctx.query.get('operation'), 'ConvertAuthenticationScheme') && !same(param(body.data, 'creationMode'), 'Automatic')) {
          // https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure: only connections Azure DevOps created (automatic mode) convert this way.
          return badRequest(
            'devops',
            'Only service connections created in automatic mode can be converted; create a federated credential yourself.',
          );
        }
        return HttpResponse.json(answer(org, body.id, body));
      },
    })),
    {
      method: 'PATCH',
      pattern: /^\/([^/]+)\/_apis\/serviceendpoint\/endpoints\/([^/]+)$/i,
      operation: 'PATCH serviceendpoint',
      apiVersion: '7.1',
      handle(ctx) {
        const parsed = z.array(projectReferenceSchema).min(1, 'needs at least one project reference').safeParse(ctx.body);
        return parsed.success ? new HttpResponse(null, { status: 204 }) : invalid(parsed.error);
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/([^/]+)\/_apis\/serviceendpoint\/endpoints\/([^/]+)$/i,
      operation: 'DELETE serviceendpoint',
      apiVersion: '7.1',
      handle(ctx) {
        const projectIds = ctx.query.get('projectIds')?.split(',').filter(Boolean) ?? [];
        if (projectIds.length === 0) return badRequest('devops', 'Value cannot be null. Parameter name: projectIds');
        const notGuid = projectIds.find((p) => !GUID.test(p));
        if (notGuid) return badRequest('devops', `The value '${notGuid}' is not valid for projectIds.`);
        return boolQuery(ctx, 'deep') ?? new HttpResponse(null, { status: 204 });
      },
    },
    ...(['GET', 'PATCH'] as const).map((method): Route => ({
      method,
      pattern: new RegExp(`^/([^/]+)/${PROJECT}/_apis/pipelines/pipelinePermissions/([^/]+)/([^/]+)$`, 'i'),
      operation: `${method} pipelinePermissions`,
      apiVersion: '7.1-preview.1',
      handle(ctx) {
        const [, , type = '', id = ''] = ctx.params;
        if (!PIPELINE_RESOURCE_TYPES.some((t) => same(type, t))) return badRequest('devops', `Resource type '${type}' is not supported.`);
        if (same(type, 'endpoint') && !GUID.test(id))
          return badRequest('devops', `The value '${id}' is not a valid service connection id.`);
        const resource = { type, id };
        if (method === 'GET') return HttpResponse.json({ resource, pipelines: EXAMPLE_PIPELINES });
        const parsed = pipelinePermissionsBodySchema.safeParse(ctx.body);
        if (!parsed.success) return invalid(parsed.error);
        const body = parsed.data;
        if (body.resource && !(same(body.resource.id, id) && same(body.resource.type, type))) {
          return badRequest('devops', 'The resource in the body does not match the resource in the URL.');
        }
        const stamp = { authorizedBy: EXAMPLE_AUTHORIZED_BY, authorizedOn: new Date().toISOString() };
        const changed = new Map((body.pipelines ?? []).map((p) => [p.id, { id: p.id, authorized: p.authorized, ...stamp }]));
        const pipelines = [...EXAMPLE_PIPELINES.filter((p) => !changed.has(p.id)), ...changed.values()];
        return HttpResponse.json({
          resource,
          ...(body.allPipelines ? { allPipelines: { authorized: body.allPipelines.authorized, ...stamp } } : {}),
          pipelines,
        });
      },
    })),
    {
      method: 'POST',
      pattern: /^\/([^/]+)\/([^/]+)\/_apis\/distributedtask\/hubs\/([^/]+)\/plans\/([^/]+)\/jobs\/([^/]+)\/oidctoken$/i,
      operation: 'POST oidctoken',
      apiVersion: '7.1-preview.1',
      handle(ctx) {
        const [org = '', projectId = '', , planId = '', jobId = ''] = ctx.params;
        const connectionId = ctx.query.get('serviceConnectionId');
        const notGuid = [projectId, planId, jobId, ...(connectionId === null ? [] : [connectionId])].find((v) => !GUID.test(v));
        if (notGuid !== undefined) return badRequest('devops', `The value '${notGuid}' is not a valid GUID.`);
        if (ctx.body !== undefined && !z.record(z.string(), z.string()).safeParse(ctx.body).success) {
          return badRequest('devops', 'The request body must be a JSON object of strings.');
        }
        return HttpResponse.json({ oidcToken: oidcToken(org, projectId, connectionId, ctx.caller?.tid ?? TEST_TENANT_ID) });
      },
    },
  ];

  /**
   * An unsigned JWT with the claims of `docs/reference/federation.md` §3. A stateless handler knows ids, not
   * names: the legacy `sc://` and `p://` subjects carry ids where the service puts names.
   */
  const oidcToken = (org: string, projectId: string, connectionId: string | null, tenantId: string): string => {
    const iat = Math.floor(Date.now() / 1000);
    const legacy = { iss: `https://vstoken.dev.azure.com/${orgId(org)}`, aud: 'api://AzureADTokenExchange', nbf: iat, iat, exp: iat + 300 };
    const claims =
      connectionId === null
        ? { ...legacy, sub: `p://${org}/${projectId}/pipeline`, org_id: orgId(org), prj_id: projectId }
        : issuerFormat === 'vstoken'
          ? { ...legacy, sub: `sc://${org}/${projectId}/${connectionId}` }
          : {
              iss: `https://login.microsoftonline.com/${tenantId}/v2.0`,
              sub: federation(org, tenantId, connectionId, '', '')['workloadIdentityFederationSubject'],
              aud: 'fb60f99c-7a34-4190-8149-302f77469936',
              azp: AZURE_DEVOPS_APP_ID,
              idtyp: 'app',
              tid: tenantId,
              ver: '2.0',
              nbf: iat,
              iat,
              exp: iat + 86_400,
            };
    const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.wif-test-signature`;
  };

  routes.push(...devopsGovernanceRoutes(), identitiesContractRoute());
  const identitiesBaseUrl = (options.identitiesBaseUrl ?? 'https://vssps.dev.azure.com').replace(/\/+$/, '');
  return [
    serviceRouter({
      service: 'devops',
      baseUrl,
      audience: AZURE_DEVOPS_APP_ID,
      routes,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    }),
    ...(identitiesBaseUrl === baseUrl
      ? []
      : [
          serviceRouter({
            service: 'devops',
            baseUrl: identitiesBaseUrl,
            audience: AZURE_DEVOPS_APP_ID,
            routes: [identitiesContractRoute()],
            ...(options.onRequest ? { onRequest: options.onRequest } : {}),
          }),
        ]),
  ];
}
