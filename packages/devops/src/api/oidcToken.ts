/**
 * The in-pipeline OIDC token (`docs/reference/devops.md` §13, `docs/reference/federation.md` §3): spec
 * `specification/distributedTask/7.1/task.json`, `Oidctoken_Create` (excerpt in
 * `packages/testing/fixtures/ado-distributedTask-7.1-oidctoken-excerpt.json`), api-version `7.1-preview.1`.
 */
import { registerSecret, type TransportError } from '@wif/http';
import { type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { segment } from '../_internal/request';
import { taskHubOidcTokenSchema } from '../schemas/oidcToken';

const API_VERSION = '7.1-preview.1';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * An OIDC token (a JWT client assertion) for one service connection. The value sits in a private
 * field and is registered for redaction: `JSON.stringify`, `String()` and `console.log` show
 * `[REDACTED]`. Tokens are short-lived: request one right before each exchange, never cache it.
 */
export class OidcTokenHandle {
  readonly #token: string;

  /** @internal Built by {@link createOidcToken}. */
  constructor(token: string) {
    registerSecret(token);
    this.#token = token;
  }

  /** The JWT. Pass it only to the token endpoint (`client_assertion`); never log or store it. */
  value(): string {
    return this.#token;
  }

  toJSON(): string {
    return '[REDACTED]';
  }

  toString(): string {
    return 'OidcTokenHandle([REDACTED])';
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}

/** Where the running job is: the values behind `System.OidcRequestUri`. */
export interface OidcTokenInput {
  /** The project GUID (`System.TeamProjectId`). */
  readonly projectId: string;
  /** The hub of the plan: `build` for YAML and classic build pipelines; the spec also names `rm` and `checks`. */
  readonly hubName: 'build' | 'release' | 'rm' | 'checks' | (string & {});
  /** `System.PlanId`. */
  readonly planId: string;
  /** `System.JobId`. */
  readonly jobId: string;
  /** The connection the token is for; it must be an input of the running task, or the service answers NotFound. */
  readonly serviceConnectionId: string;
}

/**
 * Requests an OIDC token for a service connection from inside a running pipeline job. The client
 * must authenticate with the job's `System.AccessToken` (a `TokenCredential` that returns it).
 *
 * `POST /{org}/{projectId}/_apis/distributedtask/hubs/{hubName}/plans/{planId}/jobs/{jobId}/oidctoken?serviceConnectionId={id}&api-version=7.1-preview.1`
 * with body `{}`; answered `{ oidcToken }`. Permission: the job's own access token, and the
 * connection authorized for the pipeline. Safe to re-run (each call mints a new token). Errors:
 * `NotFound` (connection not referenced by the running task), `Unauthorized`, `Forbidden`,
 * `Throttled`, `ServiceUnavailable`, `Network`, `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * const token = await createOidcToken(devops, { projectId, hubName: 'build', planId, jobId, serviceConnectionId });
 */
export function createOidcToken(
  client: DevOpsClient,
  input: OidcTokenInput,
  options: DevOpsOperationOptions = {},
): ResultAsync<OidcTokenHandle, TransportError> {
  const path =
    `/${segment(input.projectId)}/_apis/distributedtask/hubs/${segment(input.hubName)}` +
    `/plans/${segment(input.planId)}/jobs/${segment(input.jobId)}/oidctoken`;
  return client.transport
    .sendJson(
      {
        method: 'POST',
        path,
        query: { serviceConnectionId: input.serviceConnectionId, 'api-version': API_VERSION },
        body: {},
        operation: 'POST oidctoken',
        abortSignal: options.abortSignal,
      },
      taskHubOidcTokenSchema,
    )
    .andThen((res) => ok(new OidcTokenHandle(res.body.oidcToken)));
}
