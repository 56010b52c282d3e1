/**
 * `POST _apis/security/permissionevaluationbatch` (security 7.1) in the fake: the caller's effective
 * bits per token, as the emulator's deny list leaves them.
 */
import { isGuid, isRecord, json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { API, argument, deniedIn, orgPath } from './_common';

const SERVICE_ENDPOINTS_NAMESPACE = '49b48001-ca20-4adc-8111-5b60c903a50c';

export function permissionRoutes(rt: FakeRuntime): FakeRoute[] {
  const at = orgPath(rt);
  return [
    {
      method: 'POST',
      pattern: at('/_apis/security/permissionevaluationbatch'),
      operation: 'permissions.evaluateBatch',
      apiVersion: API,
      handle: (ctx) => {
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
          return argument(
            'The evaluation batch is missing or invalid: give { evaluations: [{ securityNamespaceId, token, permissions }] }.',
          );
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
              value: !(projectId !== undefined && deniedIn(rt, bits, projectId)),
            };
          }),
        });
      },
    },
  ];
}
