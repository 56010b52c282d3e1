/**
 * Resources authorised for every pipeline of a project (`build/authorizedresources`). Shape from
 * `DefinitionResourceReference` of the Build API: https://learn.microsoft.com/rest/api/azure/devops/build/authorizedresources/list
 * (also the generated clients: azure-devops-node-api `BuildInterfaces.DefinitionResourceReference`,
 * azure-devops-go-api `build.DefinitionResourceReference`: `authorized`, `id`, `name`, `type`).
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';

/** `DefinitionResourceReference`: a resource and whether it is authorised for all pipelines of the project. */
export const definitionResourceReferenceSchema = deferred(() =>
  z.looseObject({
    id: z.string(),
    type: z.string().nullish(),
    name: z.string().nullish(),
    authorized: z.boolean().nullish(),
  }),
);

/** The `{ count, value }` wrapper of the list. */
export const definitionResourceReferenceListSchema = deferred(() =>
  z.looseObject({
    count: z.number().int().optional(),
    value: z.array(built(definitionResourceReferenceSchema)),
  }),
);

export type DefinitionResourceReference = z.output<typeof definitionResourceReferenceSchema>;
