/**
 * Spec blocks beyond app registrations: the identity kind of a connection (an app registration or
 * a user-assigned managed identity), its checks (approvals, branch control, business hours,
 * exclusive lock) and its security roles. Self-contained; `schema.ts` adds them to connections and
 * environment sets.
 */
import { deferred } from '@wif/http';
import * as z from 'zod';
import { identityNameSchema, locationSchema, resourceGroupNameSchema } from '../_internal/identityNames';
import { guidSchema } from '../validation';

const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

// The blocks below are built the first time they are used: most specs name none of them, and the
// schemas are otherwise built each time wif starts (docs/performance.md). `schema.ts` reaches them
// through `z.lazy`.

/** Who the connection authenticates as. Default `{ kind: application }` (an app registration). */
export const identitySpecSchema = deferred(() =>
  z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('application') }),
      z.strictObject({
        kind: z.literal('managedIdentity'),
        subscriptionId: guidSchema.meta({ pattern: GUID_PATTERN }).describe('Subscription of the identity.'),
        resourceGroup: resourceGroupNameSchema.describe('Resource group of the identity (Managed Identity Contributor there is enough).'),
        name: identityNameSchema
          .optional()
          .describe('Identity name; default derived from the connection name. Several connections may share one (at most 20 each).'),
        location: locationSchema.describe('Region of the identity, e.g. westeurope (not Malaysia South or New Zealand North).'),
      }),
    ])
    .meta({
      id: 'identity',
      description: 'The identity behind the connection: an app registration (default) or a user-assigned managed identity.',
    }),
);

/** A group (`[Project]\Group`), a user (mail address) or an Azure DevOps identity id. */
export const principalNameSchema = z
  .string({ error: 'must be a string' })
  .refine((s) => s === s.trim() && s.length > 0 && s.length <= 256, 'must be a group ([Project]\\Group), a mail address or an identity id')
  .describe('A group as [Project]\\Group, a user by mail address, or an Azure DevOps identity id.');

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

export const checksSpecSchema = deferred(() => {
  /** Windows time-zone id, e.g. `UTC`, `W. Europe Standard Time`. */
  const timeZone = z.string().regex(/^[A-Za-z0-9 .()+:-]{1,64}$/, 'is not a Windows time-zone id (e.g. UTC)');
  const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');
  /** Minutes, 1..43200 (30 days), the range the service accepts. */
  const timeout = z.number().int().min(1).max(43200);
  return z
    .strictObject({
      approvals: z
        .strictObject({
          approvers: z.array(principalNameSchema).min(1, 'needs at least one approver').max(50),
          minApprovers: z.number().int().min(0).max(50).optional().describe('Approvals needed; 0 or absent = all approvers.'),
          instructions: z.string().max(2048).optional(),
          requesterCannotApprove: z.boolean().optional().describe('Approvers cannot approve their own runs.'),
          timeout: timeout.optional().describe('Minutes; default 43200 (30 days).'),
        })
        .optional(),
      branchControl: z
        .strictObject({
          allowed: z
            .array(z.string().regex(/^(\*|refs\/[^\s,]+)$/, 'must be a fully qualified ref (refs/heads/main, refs/heads/releases/*) or *'))
            .min(1)
            .max(50),
          requireProtection: z.boolean().optional().describe('The branch must have branch policies. Default true.'),
          allowUnknownStatus: z.boolean().optional(),
          timeout: timeout.optional(),
        })
        .optional(),
      businessHours: z
        .strictObject({
          days: z.array(z.enum(DAYS)).min(1).max(7),
          timeZone,
          start: clock,
          end: clock,
          timeout: timeout.optional(),
        })
        .optional(),
      exclusiveLock: z.union([z.boolean(), z.strictObject({ timeout: timeout.optional() })]).optional(),
    })
    .refine((c) => !c.approvals || (c.approvals.minApprovers ?? 0) <= c.approvals.approvers.length, {
      message: 'minApprovers cannot exceed the number of approvers',
      path: ['approvals', 'minApprovers'],
    })
    .meta({ id: 'checks', description: 'Approvals and checks on the connection; only the kinds named here are managed.' });
});

export const securitySpecSchema = deferred(() =>
  z
    .strictObject({
      administrators: z.array(principalNameSchema).max(50).optional(),
      users: z.array(principalNameSchema).max(200).optional(),
      readers: z.array(principalNameSchema).max(200).optional(),
      inheritance: z.boolean().optional().describe('Inherit project-level role assignments (default: as it is).'),
    })
    .meta({ id: 'security', description: 'Security roles on the connection; others are drift, removed only with --prune.' }),
);

// Plain TypeScript types (no zod type on the root entry of `@wif/core`), checked against the
// schemas' output at compile time below.

/** Who a connection authenticates as: an app registration (default) or a user-assigned managed identity. */
export type IdentitySpec =
  | { kind: 'application' }
  | {
      kind: 'managedIdentity';
      subscriptionId: string;
      resourceGroup: string;
      name?: string | undefined;
      location: string;
    };

/** A day of the week, as the business-hours check names it. */
export type CheckDay = 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday' | 'Sunday';

/** Approvals and checks on a connection; only the kinds named are managed. */
export interface ChecksSpec {
  approvals?:
    | {
        approvers: string[];
        minApprovers?: number | undefined;
        instructions?: string | undefined;
        requesterCannotApprove?: boolean | undefined;
        timeout?: number | undefined;
      }
    | undefined;
  branchControl?:
    | {
        allowed: string[];
        requireProtection?: boolean | undefined;
        allowUnknownStatus?: boolean | undefined;
        timeout?: number | undefined;
      }
    | undefined;
  businessHours?:
    | {
        days: CheckDay[];
        timeZone: string;
        start: string;
        end: string;
        timeout?: number | undefined;
      }
    | undefined;
  exclusiveLock?: boolean | { timeout?: number | undefined } | undefined;
}

/** Security roles on a connection. */
export interface SecuritySpec {
  administrators?: string[] | undefined;
  users?: string[] | undefined;
  readers?: string[] | undefined;
  inheritance?: boolean | undefined;
}

/** @internal compile-time checks: the plain types accept what the schemas produce. */
export const _identityMatches = (x: z.output<typeof identitySpecSchema>): IdentitySpec => x;
/** @internal */
export const _checksMatch = (x: z.output<typeof checksSpecSchema>): ChecksSpec => x;
/** @internal */
export const _securityMatches = (x: z.output<typeof securitySpecSchema>): SecuritySpec => x;
