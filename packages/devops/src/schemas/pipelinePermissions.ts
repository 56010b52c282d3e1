/**
 * Pipeline permissions of a protected resource (which pipelines may use a service connection).
 * Shape from `definitions/ResourcePipelinePermissions` of
 * MicrosoftDocs/vsts-rest-api-specs `specification/approvalsAndChecks/7.1/pipelinePermissions.json`
 * (@ a4336569e790ad8a3dbfa88dbd092ef0ec2727dd).
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';
import { identityRefSchema } from './serviceEndpoint';

/** `Permission`: an authorization and who granted it when. */
export const permissionSchema = deferred(() =>
  z.looseObject({
    authorized: z.boolean(),
    authorizedBy: built(identityRefSchema).nullish(),
    authorizedOn: z.string().nullish(),
  }),
);

/** `PipelinePermission`: a {@link permissionSchema} for one pipeline (definition) id. */
export const pipelinePermissionSchema = deferred(() => built(permissionSchema).extend({ id: z.number().int() }));

/**
 * `ResourcePipelinePermissions`. A resource no pipeline was ever authorized for answers with no
 * `pipelines` (or `null`): that is read as an empty list.
 */
export const resourcePipelinePermissionsSchema = deferred(() =>
  z.looseObject({
    resource: z.looseObject({ id: z.string(), type: z.string(), name: z.string().nullish() }),
    allPipelines: built(permissionSchema).nullish(),
    pipelines: z
      .array(built(pipelinePermissionSchema))
      .nullish()
      .transform((v) => v ?? []),
  }),
);

export type Permission = z.output<typeof permissionSchema>;
export type PipelinePermission = z.output<typeof pipelinePermissionSchema>;
export type ResourcePipelinePermissions = z.output<typeof resourcePipelinePermissionsSchema>;
