/** `GET _apis/connectionData` in the fake: who the caller is and which organization answers. */
import { guidFrom } from '../_random';
import { json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { callerIdentity, orgPath } from './_common';

export function connectionDataRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  return [
    {
      method: 'GET',
      pattern: orgPath(rt)('/_apis/connectionData'),
      operation: 'connectionData.get',
      handle: (ctx) => {
        const me = callerIdentity(ctx);
        const user = {
          id: me.id,
          descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${state.tenantId}\\${me.uniqueName}`,
          providerDisplayName: me.displayName,
          isActive: true,
          properties: {},
          resourceVersion: 2,
          metaTypeId: 0,
        };
        return json({
          authenticatedUser: user,
          authorizedUser: user,
          instanceId: state.organizationId,
          deploymentId: guidFrom(`deployment/${state.organizationId}`),
          deploymentType: 'hosted',
          locationServiceData: {
            serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7',
            defaultAccessMappingMoniker: 'PublicAccessMapping',
            lastChangeId: 1,
            lastChangeId64: 1,
          },
          webApplicationRelativeDirectory: `/${state.organization}/`,
        });
      },
    },
  ];
}
