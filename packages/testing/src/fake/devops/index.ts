/**
 * Azure DevOps in the fake (api-version 7.1), one file per REST resource as in `@wif/devops`'s
 * `api/` folder: security permission evaluation, connectionData, projects, service endpoints
 * (service connections), pipeline permissions and the resources authorised for all pipelines (one
 * switch, two APIs), the in-pipeline OIDC token and the connections' usage history. What they share
 * (URL patterns, error bodies, the deny list) is in `_common.ts`.
 */
import type { FakeRoute, FakeRuntime } from '../options';
import { authorizedResourceRoutes } from './authorizedResources';
import { connectionDataRoutes } from './connectionData';
import { executionHistoryRoutes } from './executionHistory';
import { oidcTokenRoutes } from './oidcToken';
import { permissionRoutes } from './permissions';
import { pipelinePermissionRoutes } from './pipelinePermissions';
import { projectRoutes } from './projects';
import { serviceEndpointRoutes } from './serviceEndpoints';

export function devopsRoutes(rt: FakeRuntime): FakeRoute[] {
  return [
    ...permissionRoutes(rt),
    ...connectionDataRoutes(rt),
    ...projectRoutes(rt),
    ...serviceEndpointRoutes(rt),
    ...pipelinePermissionRoutes(rt),
    ...authorizedResourceRoutes(rt),
    ...oidcTokenRoutes(rt),
    ...executionHistoryRoutes(rt),
  ];
}
