/**
 * ARM `Microsoft.Authorization` in the fake (api-version 2022-04-01), one file per REST resource as
 * in `@wif/arm`'s `api/` folder: permissions, role definitions and role assignments (`_common.ts`
 * holds the error bodies, paging and caller authorization they share).
 */
import type { FakeRoute, FakeRuntime } from '../options';
import { permissionRoutes } from './permissions';
import { roleAssignmentRoutes } from './roleAssignments';
import { roleDefinitionRoutes } from './roleDefinitions';

export function armRoutes(rt: FakeRuntime): FakeRoute[] {
  return [...permissionRoutes(rt), ...roleDefinitionRoutes(rt), ...roleAssignmentRoutes(rt)];
}
