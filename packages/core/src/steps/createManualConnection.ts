import {
  authParameter,
  createServiceEndpoint,
  type DevOpsClient,
  getServiceEndpointsByNames,
  type ServiceEndpoint,
  updateServiceEndpoint,
  workloadIdentity,
} from '@wif/devops';
import {
  built,
  deferred,
  type CloudName,
  CLOUDS,
  invalidResponse,
  settled,
  type TransportError,
  type ValidationError,
  type OperationOptions,
} from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import type { ConnectionConflictError } from '../errors';
import { hasMarker, issuerKind } from '../constants';
import type { Converged, StepOptions } from '../types';
import { type ConnectionTarget, connectionTargetSchema, targetToData } from '../target';
import { connectionNameSchema, guidSchema, projectSchema, validate } from '../validation';
import { same } from '../_internal/compare';
import { directReads, type RunReads } from '../_internal/runReads';

export type { ConnectionTarget };

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
  /** Every project the connection is in (its own first, then those it is shared with). */
  readonly projectReferences: readonly { readonly id: string; readonly name: string }[];
}

export type CreateManualConnectionError = ValidationError | TransportError | ConnectionConflictError;

const inputSchema = deferred(() =>
  z.strictObject({
    project: projectSchema,
    name: connectionNameSchema,
    tenantId: guidSchema,
    appId: guidSchema,
    target: built(connectionTargetSchema),
    description: z.string().max(1024).optional(),
    cloud: z.enum(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']).optional(),
  }),
);

type Input = z.output<typeof inputSchema>;

/** The `data` map Azure DevOps stores for the connection: see {@link targetToData}. @internal */
export function desiredData(input: Pick<Input, 'cloud' | 'target'>): Record<string, string> {
  return targetToData(input.target, input.cloud ?? 'AzureCloud');
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
    projectReferences: (endpoint.serviceEndpointProjectReferences ?? []).flatMap((r) =>
      r.projectReference?.id ? [{ id: r.projectReference.id, name: r.projectReference.name ?? '' }] : [],
    ),
  };
}

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
  return lookupConnection(deps.devops, spec, { findRenamed: false }, options).andThen((found) =>
    convergeConnection(deps.devops, spec, found, options),
  );
}

/** Validated input of {@link createManualConnection}. @internal */
export type ConnectionSpecInput = z.output<typeof inputSchema>;

/** What exists before converging: the project, and the connection of that name (or bound to that app). @internal */
export interface ConnectionLookup {
  readonly project: { readonly id: string; readonly name: string };
  readonly existing: ServiceEndpoint | undefined;
}

/**
 * Reads the project and, at the same time, the connection by name; with `findRenamed`, a connection bound to the same
 * app under another name (a rename in the portal) is found too. Needs no app id to start, so
 * workflows run it in parallel with the app registration. @internal
 */
export function lookupConnection(
  devops: DevOpsClient,
  spec: { readonly project: string; readonly name: string; readonly appId?: string | undefined },
  how: { findRenamed: boolean },
  options: StepOptions,
  reads: RunReads = directReads(devops, options),
): ResultAsync<ConnectionLookup, TransportError> {
  const opts: OperationOptions = options;
  return safeTry(async function* () {
    // Both at once: the list by name takes the project's name as well as its id ("Project ID or
    // project name", https://learn.microsoft.com/rest/api/azure/devops/serviceendpoint/endpoints/get-service-endpoints-by-names).
    // A missing project answers the project read's NotFound (the first error of the two).
    const [project, byName] = yield* await ResultAsync.combine([
      reads.project(spec.project),
      getServiceEndpointsByNames(devops, spec.project, [spec.name], { includeFailed: true }, opts),
    ] as const);
    const found: ConnectionLookup = {
      project: { id: project.id, name: project.name },
      existing: byName.find((e) => e.name.toLowerCase() === spec.name.toLowerCase()),
    };
    const appId = spec.appId;
    return ok(!found.existing && how.findRenamed && appId ? yield* await findRenamedConnection(devops, found, appId, opts, reads) : found);
  });
}

/**
 * The rest of {@link lookupConnection} with `findRenamed`, for a caller that looked up by name
 * before it knew the app id: when nothing was found by name, a connection in the project bound to
 * `appId` under another name. @internal
 */
export function findRenamedConnection(
  devops: DevOpsClient,
  found: ConnectionLookup,
  appId: string,
  options: StepOptions,
  reads: RunReads = directReads(devops, options),
): ResultAsync<ConnectionLookup, TransportError> {
  if (found.existing) return okAsync(found);
  const { project } = found;
  return reads.azurermConnections(project.id).map((all) => ({
    project,
    existing: all.find(
      (e) =>
        same(authParameter(e, 'serviceprincipalid'), appId) &&
        e.serviceEndpointProjectReferences?.some((r) => r.projectReference?.id === project.id),
    ),
  }));
}

/**
 * Creates the connection, or adopts and repairs the one found by {@link lookupConnection}: target,
 * description and name (a renamed connection is renamed back, which changes a legacy subject —
 * the caller re-binds the credential from what this returns). @internal
 */
export function convergeConnection(
  devops: DevOpsClient,
  spec: ConnectionSpecInput,
  found: ConnectionLookup,
  options: StepOptions,
  mayCreate = true,
): ResultAsync<Converged<ManualConnection>, CreateManualConnectionError> {
  const opts: OperationOptions = options;
  const cloud = CLOUDS[spec.cloud ?? 'AzureCloud'];
  const data = desiredData(spec);
  const { project, existing } = found;

  const result = safeTry(async function* () {
    if (existing) {
      const drift = yield* decideConnection(existing, spec, data, project.name);
      const currentData = existing.data ?? {};
      const drifted = drift.changes.length > 0;
      let endpoint = existing;
      if (drifted) {
        endpoint = yield* await updateServiceEndpoint(
          devops,
          existing.id,
          {
            ...existing,
            name: spec.name,
            data: { ...currentData, ...data },
            ...(spec.description !== undefined ? { description: spec.description } : {}),
            serviceEndpointProjectReferences: (existing.serviceEndpointProjectReferences ?? []).map((r) =>
              r.projectReference?.id === project.id ? { ...r, name: spec.name } : r,
            ),
          },
          {},
          opts,
        );
      }
      // Editing may switch a legacy connection to the Entra issuer: always use what it reports now.
      const connection = toConnection(endpoint, project);
      if (!connection) return err(missingIdentity(endpoint.id));
      return ok({ outcome: drifted ? ('updated' as const) : ('unchanged' as const), value: connection });
    }

    if (!mayCreate) return err(missingIdentity('(re-read after a duplicate-name answer found none)'));
    const created = yield* await createServiceEndpoint(
      devops,
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
          { projectReference: project, name: spec.name, ...(spec.description ? { description: spec.description } : {}) },
        ],
      },
      opts,
    );
    const connection = toConnection(created, project);
    if (!connection) return err(missingIdentity(created.id));
    return ok({ outcome: 'created' as const, value: connection });
  });

  // Another run created the same name between our read and our write (Azure DevOps answers 500
  // DuplicateServiceConnectionException, docs/reference/devops.md §11): read again and adopt it if it is ours. A
  // name still not found is held by a connection the caller may not see: the service's answer says so.
  return settled(result, (r) =>
    r.isErr() && mayCreate && 'code' in r.error && r.error.code === 'DuplicateServiceConnectionException'
      ? lookupConnection(devops, spec, { findRenamed: false }, options).andThen((again) =>
          again.existing ? convergeConnection(devops, spec, again, options, false) : err(r.error),
        )
      : r,
  );
}

/** One field of a connection that differs from the spec. */
export interface ConnectionFieldChange {
  readonly field: string;
  readonly from: string | null;
  readonly to: string | null;
}

/**
 * The decision for a connection that exists: the fields that must change (name, target data,
 * description), or the `ConnectionConflict` refusal when it cannot be adopted (a secret, another
 * app, tenant, type or scheme). Pure; the one place `plan`, `apply` and the step decide it. @internal
 */
export function decideConnection(
  existing: ServiceEndpoint,
  spec: Pick<ConnectionSpecInput, 'name' | 'appId' | 'tenantId' | 'description'>,
  data: Record<string, string>,
  projectName: string,
): Result<{ changes: ConnectionFieldChange[] }, ConnectionConflictError> {
  const drift = connectionDrift(existing, spec, data);
  if ('changes' in drift) return ok(drift);
  return err({
    kind: 'ConnectionConflict',
    reason: drift.conflict,
    connectionId: existing.id,
    name: existing.name,
    project: projectName,
    message: `A service connection named "${existing.name}" already exists in ${projectName} and ${drift.why}. ${drift.advice ?? 'Rename the connection in the spec, or migrate the existing one (wif migrate).'}`,
  });
}

/** Compares an existing connection with the spec: the conflict, or the fields that drifted. Pure. @internal */
export function connectionDrift(
  existing: ServiceEndpoint,
  spec: Pick<ConnectionSpecInput, 'name' | 'appId' | 'tenantId' | 'description'>,
  data: Record<string, string>,
): { conflict: ConnectionConflictError['reason']; why: string; advice?: string } | { changes: ConnectionFieldChange[] } {
  if (!same(existing.type, 'azurerm')) return { conflict: 'OtherType', why: `is of type ${existing.type}, not azurerm` };
  const scheme = existing.authorization?.scheme ?? '';
  if (same(scheme, 'ServicePrincipal')) return { conflict: 'UsesSecret', why: 'authenticates with a client secret' };
  if (!same(scheme, 'WorkloadIdentityFederation')) return { conflict: 'OtherScheme', why: `uses the ${scheme} scheme` };
  const boundApp = authParameter(existing, 'serviceprincipalid');
  if (!same(boundApp, spec.appId)) {
    // A connection wif made, whose app or managed identity the spec names does not exist (it would
    // be created, with a new id): most likely it was deleted while the connection still names it. wif does not move a connection to
    // another identity on its own; it says how to get back.
    if (!spec.appId && boundApp && hasMarker(existing.description))
      return {
        conflict: 'OtherApp',
        why: `is bound to ${boundApp}, while the app or managed identity the spec names for it does not exist (wif would create it, with a new id)`,
        advice:
          'If it was deleted by mistake, restore it (Entra keeps a deleted app registration for 30 days: Deleted applications in the portal, or POST /directory/deletedItems/{id}/restore) and plan again; a managed identity cannot be restored: delete the connection, and apply creates it again on the new identity (with the checks, roles and pipeline permissions of the spec).',
      };
    return {
      conflict: 'OtherApp',
      why: `is bound to another app (${boundApp ?? 'none'})`,
      ...(boundApp
        ? {
            advice: `To manage it as it is, adopt that app in the spec: app: { appId: ${boundApp} } (wif adopt writes the whole entry; an app registration, not a managed identity); or rename the connection in the spec.`,
          }
        : {}),
    };
  }
  if (!same(authParameter(existing, 'tenantid'), spec.tenantId)) return { conflict: 'OtherTenant', why: 'is bound to another tenant' };
  const changes: ConnectionFieldChange[] = [];
  if (existing.name !== spec.name) changes.push({ field: 'name', from: existing.name, to: spec.name });
  const current = existing.data ?? {};
  for (const [k, v] of Object.entries(data)) {
    if ((current[k] ?? '') !== v) changes.push({ field: `data.${k}`, from: current[k] ?? null, to: v });
  }
  if (spec.description !== undefined && (existing.description ?? '') !== spec.description) {
    changes.push({ field: 'description', from: existing.description ?? null, to: spec.description });
  }
  return { changes };
}

function missingIdentity(id: string): TransportError {
  return invalidResponse('devops', 'serviceendpoint', 200, [
    {
      path: 'authorization.parameters',
      message: `connection ${id} reports no workloadIdentityFederationIssuer/Subject (is workload identity federation enabled for the organization?)`,
    },
  ]);
}
