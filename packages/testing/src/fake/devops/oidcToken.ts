/**
 * `{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken` (distributedtask
 * 7.1-preview.1) in the fake: the connection-bound OIDC token a pipeline job presents to Entra, in
 * the Entra or legacy issuer format (docs/reference/federation.md §3).
 */
import { AZURE_DEVOPS_APP_ID, TOKEN_EXCHANGE_AUDIENCE } from '../federation';
import { isGuid, isRecord, json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { argument, devopsError, endpointNotFound, orgPath, PREVIEW, PROJECT, projectNotFound } from './_common';

/** Lifetimes observed for connection-bound OIDC tokens (docs/reference/federation.md §3). */
const LEGACY_TOKEN_SECONDS = 300;
const ENTRA_TOKEN_SECONDS = 24 * 3600;

export function oidcTokenRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  return [
    {
      method: 'POST',
      pattern: orgPath(rt)(`${PROJECT}/_apis/distributedtask/hubs/([^/]+)/plans/([^/]+)/jobs/([^/]+)/oidctoken`),
      operation: 'oidcToken.create',
      apiVersion: PREVIEW,
      handle: (ctx) => {
        const [projectId, , planId, jobId] = ctx.params;
        if (!isGuid(projectId ?? '') || !isGuid(planId ?? '') || !isGuid(jobId ?? ''))
          return argument('scopeIdentifier, planId and jobId must be GUIDs.');
        if (ctx.body !== undefined && !(isRecord(ctx.body) && Object.values(ctx.body).every((v) => typeof v === 'string'))) {
          return argument('The request body must be a JSON object of strings.');
        }
        if (!state.project(projectId!)) return projectNotFound(projectId!);
        const endpointId = ctx.query.get('serviceConnectionId');
        // Without serviceConnectionId Azure DevOps mints a pipeline-identity token: not modelled.
        if (endpointId === null)
          return argument('This fake mints OIDC tokens for service connections only: serviceConnectionId is required.');
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
      },
    },
  ];
}
