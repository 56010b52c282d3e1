import {
  authParameter,
  createServiceEndpoint,
  type DevOpsClient,
  getProject,
  getServiceEndpointsByNames,
  type ServiceEndpoint,
  updateServiceEndpoint,
  workloadIdentity,
} from '@wif/devops';
import { type CloudName, CLOUDS, invalidResponse, type TransportError, type ValidationError } from '@wif/http';
import { err, errAsync, ok, type ResultAsync, safeTry } from 'neverthrow';
import { z } from 'zod';
import type { ConnectionConflictError } from '../errors';
import { issuerKind } from '../constants';
import type { Converged, StepOptions } from '../types';
import { connectionNameSchema, guidSchema, projectSchema, validate } from '../validation';

/** What the connection targets. A resource-group scope is expressed by the role assignments, not here. */
export type ConnectionTarget =
  | { readonly level: 'subscription'; readonly subscriptionId: string; readonly subscriptionName: string }
  | { readonly level: 'managementGroup'; readonly managementGroupId: string; readonly managementGroupName: string };

export interface CreateManualConnectionInput {
  /** Project name or id. */
  readonly project: string;
  /** The connection name pipelines refer to (`azureSubscription: …`). */
  readonly name: string;
  readonly tenantId: string;
  /** The app's client id (`appId`), stored as `serviceprincipalid`. */
  readonly appId: string;
  readonly target: ConnectionTarget;
  readonly description?: string;
  /** Which Azure cloud the connection deploys to. Default `AzureCloud`. */
  readonly cloud?: CloudName;
}

/** The connection, with the issuer and subject **as the service reports them**. */
export interface ManualConnection {
  readonly id: string;
  readonly name: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly issuer: string;
  readonly subject: string;
  /** `entra` (the default for new connections) or `legacy` (`vstoken`, retiring 2027-07-01). */
  readonly issuerFormat: 'entra' | 'legacy' | 'other';
  readonly isReady: boolean;
}

export type CreateManualConnectionError = ValidationError | TransportError | ConnectionConflictError;

const targetSchema = z.discriminatedUnion('level', [
  z.strictObject({ level: z.literal('subscription'), subscriptionId: guidSchema, subscriptionName: connectionNameSchema }),
  z.strictObject({
    level: z.literal('managementGroup'),
    managementGroupId: z.string().regex(/^[A-Za-z0-9._()-]{1,90}$/, 'is not a management group id'),
    managementGroupName: connectionNameSchema,
  }),
]);

const inputSchema = z.strictObject({
  project: projectSchema,
  name: connectionNameSchema,
  tenantId: guidSchema,
  appId: guidSchema,
  target: targetSchema,
  description: z.string().max(1024).optional(),
  cloud: z.enum(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']).optional(),
});

type Input = z.output<typeof inputSchema>;

/** The `data` map Azure DevOps stores for a manual azurerm connection (devops.md, data input descriptors). */
function desiredData(input: Input): Record<string, string> {
  const environment = input.cloud ?? 'AzureCloud';
  return input.target.level === 'subscription'
    ? {
        environment,
        scopeLevel: 'Subscription',
        subscriptionId: input.target.subscriptionId,
        subscriptionName: input.target.subscriptionName,
        creationMode: 'Manual',
      }
    : {
        environment,
        scopeLevel: 'ManagementGroup',
        managementGroupId: input.target.managementGroupId,
        managementGroupName: input.target.managementGroupName,
        creationMode: 'Manual',
      };
}

function toConnection(endpoint: ServiceEndpoint, project: { id: string; name: string }): ManualConnection | undefined {
  const { issuer, subject } = workloadIdentity(endpoint);
  if (!issuer || !subject) return undefined;
  return {
    id: endpoint.id,
    name: endpoint.name,
    projectId: project.id,
    projectName: project.name,
    issuer,
    subject,
    issuerFormat: issuerKind(issuer),
    isReady: endpoint.isReady !== false,
  };
}

const same = (a: string | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase();

/**
 * Creates (or adopts) an `azurerm` service connection on workload identity federation, in manual mode.
 *
 * Calls `GET /{org}/_apis/projects/{project}` (the reference needs both id and name),
 * `GET /{org}/{project}/_apis/serviceendpoint/endpoints?endpointNames=…`, then
 * `POST /{org}/_apis/serviceendpoint/endpoints` (new) or `PUT …/endpoints/{id}` (drifted target or
 * description). The issuer and subject are **read back from the response**, never built: Azure
 * DevOps has two formats (legacy `vstoken` + `sc://org/project/name`, and the Entra issuer with an
 * `/eid1/…` subject).
 *
 * Permission: Endpoint Administrator in the project (or Project Collection Administrator).
 * Safe to re-run: an existing connection of that name with the same app is `unchanged` (or
 * `updated` if its target drifted); one on a secret or another app is a `ConnectionConflict`.
 * Errors: `Validation`, `ConnectionConflict`, `NotFound` (project), `Forbidden`, `Unauthorized`, …
 *
 * @example
 * const sc = await createManualConnection({ devops }, { project: 'platform', name: 'sc-prod', tenantId, appId,
 *   target: { level: 'subscription', subscriptionId, subscriptionName: 'Platform Prod' } });
 */
export function createManualConnection(
  deps: { readonly devops: DevOpsClient },
  input: CreateManualConnectionInput,
  options: StepOptions = {},
): ResultAsync<Converged<ManualConnection>, CreateManualConnectionError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const spec = valid.value;
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const cloud = CLOUDS[spec.cloud ?? 'AzureCloud'];
  const data = desiredData(spec);

  return safeTry(async function* () {
    const project = yield* getProject(deps.devops, spec.project, opts);
    const projectRef = { id: project.id, name: project.name };
    const found = yield* getServiceEndpointsByNames(deps.devops, project.id, [spec.name], { includeFailed: true }, opts);
    const existing = found.find((e) => e.name.toLowerCase() === spec.name.toLowerCase());

    if (existing) {
      const conflict = (reason: ConnectionConflictError['reason'], why: string): ConnectionConflictError => ({
        kind: 'ConnectionConflict',
        reason,
        connectionId: existing.id,
        name: existing.name,
        project: project.name,
        message: `A service connection named "${existing.name}" already exists in ${project.name} and ${why}. Rename the new connection, or migrate the existing one (wif migrate).`,
      });
      if (!same(existing.type, 'azurerm')) return err(conflict('OtherType', `is of type ${existing.type}, not azurerm`));
      const scheme = existing.authorization?.scheme ?? '';
      if (same(scheme, 'ServicePrincipal')) return err(conflict('UsesSecret', 'authenticates with a client secret'));
      if (!same(scheme, 'WorkloadIdentityFederation')) return err(conflict('OtherScheme', `uses the ${scheme} scheme`));
      if (!same(authParameter(existing, 'serviceprincipalid'), spec.appId)) {
        return err(conflict('OtherApp', `is bound to another app (${authParameter(existing, 'serviceprincipalid') ?? 'none'})`));
      }
      if (!same(authParameter(existing, 'tenantid'), spec.tenantId)) {
        return err(conflict('OtherTenant', 'is bound to another tenant'));
      }
      const currentData = existing.data ?? {};
      const drifted =
        Object.entries(data).some(([k, v]) => (currentData[k] ?? '') !== v) ||
        (spec.description !== undefined && (existing.description ?? '') !== spec.description);
      let endpoint = existing;
      if (drifted) {
        endpoint = yield* updateServiceEndpoint(
          deps.devops,
          existing.id,
          { ...existing, data: { ...currentData, ...data }, ...(spec.description !== undefined ? { description: spec.description } : {}) },
          {},
          opts,
        );
      }
      // Editing may switch a legacy connection to the Entra issuer: always re-read what it reports now.
      const connection = toConnection(endpoint, projectRef);
      if (!connection) return err(missingIdentity(endpoint.id));
      return ok({ outcome: drifted ? ('updated' as const) : ('unchanged' as const), value: connection });
    }

    const created = yield* createServiceEndpoint(
      deps.devops,
      {
        name: spec.name,
        type: 'azurerm',
        url: cloud.armConnectionUrl,
        description: spec.description ?? '',
        authorization: {
          scheme: 'WorkloadIdentityFederation',
          parameters: { tenantid: spec.tenantId, serviceprincipalid: spec.appId },
        },
        data,
        isShared: false,
        isReady: true,
        serviceEndpointProjectReferences: [
          { projectReference: projectRef, name: spec.name, ...(spec.description ? { description: spec.description } : {}) },
        ],
      },
      opts,
    );
    const connection = toConnection(created, projectRef);
    if (!connection) return err(missingIdentity(created.id));
    return ok({ outcome: 'created' as const, value: connection });
  });
}

function missingIdentity(id: string): TransportError {
  return invalidResponse('devops', 'serviceendpoint', 200, [
    {
      path: 'authorization.parameters',
      message: `connection ${id} reports no workloadIdentityFederationIssuer/Subject (is workload identity federation enabled for the organization?)`,
    },
  ]);
}
