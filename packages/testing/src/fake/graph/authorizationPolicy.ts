/** `/policies/authorizationPolicy` (Graph v1.0) in the fake: whether ordinary users may register applications. */
import { json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { odataContext } from './_common';

export function authorizationPolicyRoutes(rt: FakeRuntime): FakeRoute[] {
  return [
    {
      // https://learn.microsoft.com/graph/api/authorizationpolicy-get (v1.0): whether ordinary users may register applications.
      method: 'GET',
      pattern: /^\/policies\/authorizationPolicy\/?$/i,
      operation: 'authorizationPolicy.get',
      handle: () =>
        json({
          '@odata.context': odataContext(rt, 'policies/authorizationPolicy/$entity'),
          id: 'authorizationPolicy',
          allowInvitesFrom: 'everyone',
          allowedToSignUpEmailBasedSubscriptions: true,
          allowedToUseSSPR: true,
          allowEmailVerifiedUsersToJoinOrganization: true,
          allowUserConsentForRiskyApps: false,
          blockMsolPowerShell: null,
          displayName: 'Authorization Policy',
          description: 'Used to manage authorization related settings across the company.',
          defaultUserRolePermissions: {
            allowedToCreateApps: rt.permissions.allowedToCreateApps,
            allowedToCreateSecurityGroups: true,
            allowedToReadOtherUsers: true,
            permissionGrantPoliciesAssigned: ['just-user-read'],
          },
        }),
    },
  ];
}
