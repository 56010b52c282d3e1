/**
 * The connection target: the one module that maps what a connection targets (a subscription, a
 * resource group or a management group) to the `data` map Azure DevOps stores on the endpoint and
 * to the ARM scope. The spec, the steps, plan, migration, audit and the exchange check all use it;
 * nothing else reads `data.scopeLevel`, `data.subscriptionId`, `data.resourceGroupName` or
 * `data.managementGroupId`.
 *
 * Azure DevOps has no resource-group scope level: a connection limited to a resource group is
 * `scopeLevel: Subscription` with `resourceGroupName` set (an input descriptor of the `azurerm`
 * endpoint type, https://learn.microsoft.com/rest/api/azure/devops/serviceendpoint/types/list).
 */
import { deferred, type CloudName } from '@wif/http';
import * as z from 'zod';
import { connectionNameSchema, guidSchema } from './validation';
import { same } from './_internal/compare';

/** What the connection targets. Access itself is the role assignments; this is what Azure DevOps shows. */
export type ConnectionTarget =
  | { readonly level: 'subscription'; readonly subscriptionId: string; readonly subscriptionName: string }
  | {
      readonly level: 'resourceGroup';
      readonly subscriptionId: string;
      readonly subscriptionName: string;
      readonly resourceGroupName: string;
    }
  | { readonly level: 'managementGroup'; readonly managementGroupId: string; readonly managementGroupName: string };

/** The target of a connection, validated (the spec, the step input and the migration journal). @internal */
export const connectionTargetSchema = deferred(() =>
  z.discriminatedUnion('level', [
    z.strictObject({ level: z.literal('subscription'), subscriptionId: guidSchema, subscriptionName: connectionNameSchema }),
    z.strictObject({
      level: z.literal('resourceGroup'),
      subscriptionId: guidSchema,
      subscriptionName: connectionNameSchema,
      resourceGroupName: z.string().regex(/^[-\w._()]{0,89}[-\w_()]$/, 'is not a resource group name'),
    }),
    z.strictObject({
      level: z.literal('managementGroup'),
      managementGroupId: z.string().regex(/^[A-Za-z0-9._()-]{1,90}$/, 'is not a management group id'),
      managementGroupName: connectionNameSchema,
    }),
  ]),
);

/** The endpoint `data` keys the target owns (and `environment`, `creationMode`). */
export const TARGET_DATA_KEYS = [
  'environment',
  'scopeLevel',
  'subscriptionId',
  'subscriptionName',
  'resourceGroupName',
  'managementGroupId',
  'managementGroupName',
  'creationMode',
] as const;

/** The `data` map of a manual `azurerm` connection for `target` in `cloud` (default `AzureCloud`). */
export function targetToData(target: ConnectionTarget, cloud: CloudName = 'AzureCloud'): Record<string, string> {
  const base = { environment: cloud };
  switch (target.level) {
    case 'subscription':
      return {
        ...base,
        scopeLevel: 'Subscription',
        subscriptionId: target.subscriptionId,
        subscriptionName: target.subscriptionName,
        creationMode: 'Manual',
      };
    case 'resourceGroup':
      return {
        ...base,
        scopeLevel: 'Subscription',
        subscriptionId: target.subscriptionId,
        subscriptionName: target.subscriptionName,
        resourceGroupName: target.resourceGroupName,
        creationMode: 'Manual',
      };
    case 'managementGroup':
      return {
        ...base,
        scopeLevel: 'ManagementGroup',
        managementGroupId: target.managementGroupId,
        managementGroupName: target.managementGroupName,
        creationMode: 'Manual',
      };
  }
}

/**
 * The target an endpoint's `data` describes, or `undefined` when it names neither a subscription
 * nor a management group. A missing display name falls back to the id (as the portal shows it).
 */
export function targetFromData(data: Readonly<Record<string, string | null>> | null | undefined): ConnectionTarget | undefined {
  const d = data ?? {};
  if (same(d['scopeLevel'], 'ManagementGroup') && d['managementGroupId']) {
    return {
      level: 'managementGroup',
      managementGroupId: d['managementGroupId'],
      managementGroupName: d['managementGroupName'] || d['managementGroupId'],
    };
  }
  const subscriptionId = d['subscriptionId'];
  if (!subscriptionId) return undefined;
  const subscriptionName = d['subscriptionName'] || subscriptionId;
  const resourceGroupName = d['resourceGroupName'];
  return resourceGroupName
    ? { level: 'resourceGroup', subscriptionId, subscriptionName, resourceGroupName }
    : { level: 'subscription', subscriptionId, subscriptionName };
}

/** The ARM scope of a target: `/subscriptions/{id}`, `…/resourceGroups/{rg}` or the management group. */
export function targetScope(target: ConnectionTarget): string {
  switch (target.level) {
    case 'subscription':
      return `/subscriptions/${target.subscriptionId}`;
    case 'resourceGroup':
      return `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroupName}`;
    case 'managementGroup':
      return `/providers/Microsoft.Management/managementGroups/${target.managementGroupId}`;
  }
}

/**
 * Where to list a principal's role assignments for a target: its subscription (for a resource
 * group too: ARM lists at, above and below the scope, so a sibling resource group's assignments
 * are only seen from the subscription) or its management group.
 */
export function targetListScope(target: ConnectionTarget): string {
  return target.level === 'resourceGroup' ? `/subscriptions/${target.subscriptionId}` : targetScope(target);
}

/** {@link targetListScope} of an endpoint's `data`, if it names a target (audit and the exchange check). */
export function dataListScope(data: Readonly<Record<string, string | null>> | null | undefined): string | undefined {
  const t = targetFromData(data);
  return t ? targetListScope(t) : undefined;
}
