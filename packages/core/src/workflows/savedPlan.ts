/**
 * Saved plans: `wif plan --out plan.json` writes one, `wif apply --plan plan.json` executes it.
 * The file is versioned JSON (see docs/decisions/): the spec it was made from and its hash, and
 * per connection the planned resources with every observed fact a change depends on (the ids, the
 * action, the compared values `from` → `to`) and the refusals. `apply` re-plans each connection
 * before its first write and refuses it with `StalePlan` when any of those facts changed.
 */
import { deferred, type ValidationError } from '@wif/http';
import { err, ok, type Result } from 'neverthrow';
import * as z from 'zod';
import { checkResolvedSpec, type ResolvedSpec } from '../spec/load';
import { validate } from '../validation';
import { KIND_ORDER } from './_kinds';
import type { Plan } from './plan';

/** The format name and version a saved plan carries; `parseSavedPlan` refuses any other. */
export const SAVED_PLAN_FORMAT = 'wif-plan';
export const SAVED_PLAN_VERSION = 1;

// Built the first time a saved plan is read: `wif plan` without `apply --plan` never reads one (start-up).
const savedPlanSchema = deferred(() => {
  const change = z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() });
  const resource = z.object({
    kind: z.enum(KIND_ORDER),
    action: z.enum(['create', 'update', 'unchanged', 'delete']),
    name: z.string(),
    id: z.string().optional(),
    changes: z.array(change),
    note: z.string().optional(),
  });
  const wifError = z.looseObject({ kind: z.string(), message: z.string() });
  return z.object({
    format: z.literal(SAVED_PLAN_FORMAT),
    version: z.literal(SAVED_PLAN_VERSION),
    createdAt: z.string(),
    organization: z.string(),
    specHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    spec: z.looseObject({ organization: z.string(), connections: z.array(z.unknown()) }),
    connections: z.array(
      z.object({
        key: z.string(),
        project: z.string(),
        projectId: z.string().optional(),
        name: z.string(),
        resources: z.array(resource),
        refusals: z.array(wifError),
        error: wifError.optional(),
      }),
    ),
    orphans: z.array(
      z.object({
        project: z.string(),
        projectId: z.string(),
        name: z.string(),
        connectionId: z.string(),
        appId: z.string(),
        managed: z.boolean(),
        projects: z.array(z.object({ id: z.string(), name: z.string() })),
        resources: z.array(resource),
        note: z.string(),
      }),
    ),
    summary: z.looseObject({}),
  });
});

/**
 * The plan as the text of a saved-plan file (stable key order, two-space indent).
 *
 * @example
 * writeFileSync('plan.json', serializePlan((await plan(clients, spec))._unsafeUnwrap()));
 */
export function serializePlan(plan: Plan, now: Date = new Date()): string {
  const { organization, specHash, spec, connections, orphans, summary } = plan;
  return `${JSON.stringify(
    {
      format: SAVED_PLAN_FORMAT,
      version: SAVED_PLAN_VERSION,
      createdAt: now.toISOString(),
      organization,
      specHash,
      summary,
      connections,
      orphans,
      spec,
    },
    null,
    2,
  )}\n`;
}

/**
 * Reads a saved-plan file: `Validation` (with the path of each problem) for another format or
 * version, a malformed plan or a spec in it that is not valid. That the plan still matches what
 * exists is checked by `apply`, connection by connection, before it writes.
 */
export function parseSavedPlan(text: string): Result<Plan, ValidationError> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return validate(savedPlanSchema, undefined, 'plan') as Result<never, ValidationError>;
  }
  const parsed = validate(savedPlanSchema, json, 'plan');
  if (parsed.isErr()) return err(parsed.error);
  const spec = checkResolvedSpec(parsed.value.spec as unknown as ResolvedSpec);
  if (spec.isErr()) return err(spec.error);
  // The shapes above are those `plan` writes; the refusals and errors keep the fields they had.
  return ok(parsed.value as unknown as Plan);
}
