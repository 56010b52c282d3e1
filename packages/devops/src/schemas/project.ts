/**
 * Team projects. Shape from `packages/testing/fixtures/ado-core-7.1-projects-excerpt.json`
 * (`definitions/TeamProjectReference` of `core/7.1/core.json`).
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';

/** A project reference, as listed; `getProject` returns the same fields (extra ones are dropped). */
export const teamProjectReferenceSchema = deferred(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullish(),
    url: z.string().optional(),
    /** `wellFormed`, `createPending`, `deleting`, `new`, `unchanged`, `deleted`. */
    state: z.string().optional(),
    revision: z.number().optional(),
    /** `private` or `public`. */
    visibility: z.string().optional(),
    lastUpdateTime: z.string().optional(),
    abbreviation: z.string().nullish(),
  }),
);

/** One page of `GET _apis/projects`: the `{ count, value }` wrapper. */
export const teamProjectListSchema = deferred(() =>
  z.object({
    count: z.number().optional(),
    value: z.array(built(teamProjectReferenceSchema)),
  }),
);

export type TeamProjectReference = z.output<typeof teamProjectReferenceSchema>;
