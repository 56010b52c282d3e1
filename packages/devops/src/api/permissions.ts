/**
 * Effective-permission checks of the Security API 7.1: "Permissions - Has Permissions Batch"
 * (https://learn.microsoft.com/rest/api/azure/devops/security/permissions/has-permissions-batch?view=azure-devops-rest-7.1),
 * and the ServiceEndpoints security namespace with its bits and tokens
 * (https://learn.microsoft.com/azure/devops/organizations/security/namespace-reference).
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { type TransportError, type ValidationError, validationError } from '@wif/http';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { type PermissionEvaluation, permissionEvaluationBatchSchema } from '../schemas/permissionEvaluation';

const API_VERSION = '7.1';

/** Id of the `ServiceEndpoints` security namespace (the same in every organization). */
export const SERVICE_ENDPOINTS_NAMESPACE_ID = '49b48001-ca20-4adc-8111-5b60c903a50c';

/** The permission bits of the `ServiceEndpoints` namespace (`actions` of the namespace description). */
export const SERVICE_ENDPOINT_PERMISSIONS = {
  Use: 1,
  Administer: 2,
  Create: 4,
  ViewAuthorization: 8,
  ViewEndpoint: 16,
} as const;

/**
 * The security token of a project's service connections (`endpoints/{projectId}`), or of one
 * connection (`endpoints/{projectId}/{endpointId}`, which inherits from the project token).
 * Project and endpoint are GUIDs; tokens compare case-insensitively.
 */
export function serviceEndpointToken(projectId: string, endpointId?: string): string {
  return endpointId === undefined ? `endpoints/${projectId}` : `endpoints/${projectId}/${endpointId}`;
}

/** One question of {@link evaluatePermissions}: does the caller hold `permissions` on `token`? */
export interface PermissionQuestion {
  readonly securityNamespaceId: string;
  readonly token: string;
  /** One bit per question: whether a multi-bit mask means "all of them" is not documented. */
  readonly permissions: number;
}

/** At most this many questions in one batch (a bound of ours; the service documents none). */
const MAX_EVALUATIONS = 200;

/**
 * Asks, in one request, whether the caller holds each permission on each token — the server's own
 * evaluation of the caller's effective ACL (groups and token inheritance included). Answers one
 * boolean per question, in the order asked. `alwaysAllowAdministrators` is sent `false`, so a
 * collection administrator gets the ACL's answer, not a blanket `true`.
 *
 * `POST /{org}/_apis/security/permissionevaluationbatch?api-version=7.1` with
 * `{ alwaysAllowAdministrators: false, evaluations: [{ securityNamespaceId, token, permissions }] }`.
 * Permission: any authenticated identity (it evaluates the caller's own rights). Read-only, safe to
 * re-run. Errors: `Validation` (no question, more than 200, or a mask that is not one bit; nothing
 * sent), `BadRequest`, `Unauthorized`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `InvalidResponse` (an answer that does not match the questions), `Authentication`, `Aborted`.
 *
 * @example
 * const [canCreate] = await evaluatePermissions(devops, [
 *   { securityNamespaceId: SERVICE_ENDPOINTS_NAMESPACE_ID, token: serviceEndpointToken(projectId), permissions: SERVICE_ENDPOINT_PERMISSIONS.Create },
 * ]);
 */
export function evaluatePermissions(
  client: DevOpsClient,
  questions: readonly PermissionQuestion[],
  options: DevOpsOperationOptions = {},
): ResultAsync<readonly PermissionEvaluation[], TransportError | ValidationError> {
  const problems = [
    ...(questions.length === 0 ? [{ path: 'questions', message: 'Ask at least one question.' }] : []),
    ...(questions.length > MAX_EVALUATIONS ? [{ path: 'questions', message: `At most ${MAX_EVALUATIONS} questions per batch.` }] : []),
    ...questions.flatMap((q, i) =>
      Number.isInteger(q.permissions) && q.permissions > 0 && (q.permissions & (q.permissions - 1)) === 0
        ? []
        : [{ path: `questions.${i}.permissions`, message: 'Ask one permission bit per question.' }],
    ),
  ];
  if (problems.length > 0) return errAsync(validationError(problems));
  return client.transport
    .sendJson(
      {
        method: 'POST',
        path: '/_apis/security/permissionevaluationbatch',
        query: { 'api-version': API_VERSION },
        body: {
          alwaysAllowAdministrators: false,
          evaluations: questions.map((q) => ({ securityNamespaceId: q.securityNamespaceId, token: q.token, permissions: q.permissions })),
        },
        operation: 'POST permissionevaluationbatch',
        abortSignal: options.abortSignal,
      },
      permissionEvaluationBatchSchema,
    )
    .andThen(({ status, body }) => {
      const answers = body.evaluations;
      const matches =
        answers.length === questions.length &&
        answers.every((a, i) => a.token.toLowerCase() === questions[i]!.token.toLowerCase() && a.permissions === questions[i]!.permissions);
      return matches
        ? okAsync<readonly PermissionEvaluation[], TransportError>(answers)
        : errAsync<readonly PermissionEvaluation[], TransportError>({
            kind: 'InvalidResponse',
            service: 'devops',
            operation: 'POST permissionevaluationbatch',
            status,
            issues: [{ path: 'evaluations', message: 'not one answer per question, in order' }],
            message: 'Azure DevOps answered other permission questions than were asked; retry, and report it if it persists.',
          });
    });
}
