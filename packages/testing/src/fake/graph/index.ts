/**
 * Microsoft Graph v1.0 in the fake, one file per REST resource as in `@wif/graph`'s `api/` folder:
 * applications, service principals, federated identity credentials and the authorization policy
 * (`_common.ts` holds the OData plumbing they share). Every write is refused here when the caller
 * lacks the permission it needs (the deny list of `../permissions.ts`).
 */
import { serviceError, type RouteContext } from '../../_router';
import type { FakeRoute, FakeRuntime } from '../options';
import type { GraphPermission } from '../permissions';
import { applicationRoutes } from './applications';
import { authorizationPolicyRoutes } from './authorizationPolicy';
import { prefersCreate, unquote } from './_common';
import { federatedIdentityCredentialRoutes } from './federatedIdentityCredentials';
import { servicePrincipalRoutes } from './servicePrincipals';

// ------------------------------------------------------------ authorization of writes (permissions.ts)
// What each write needs (Graph permissions reference, application/servicePrincipal/FIC create pages):
// creating an app: Application.ReadWrite.All, AppRegistration.Create, or (app-only) OwnedBy; any other
// app/SP/FIC write: Application.ReadWrite.All or (app-only) OwnedBy. A delegated caller must also be
// allowed to register apps (tenant policy) unless a directory role lets it.
const ADMIN_OR_DEVELOPER = new Set([
  '62e90394-69f5-4237-9190-012177145e10',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  '158c047a-c907-4556-b7ef-446551a6b5f7',
  'cf1c38e5-3621-4004-a7cb-879624dced7c',
]);

/** The Graph routes of the fake: the service's, each write refused when the caller lacks the permission. */
export function graphRoutes(rt: FakeRuntime): FakeRoute[] {
  const refusal = (ctx: RouteContext, creatingApp: boolean): Response | undefined => {
    const c = ctx.caller;
    if (!c) return undefined;
    const appOnly = c['idtyp'] === 'app';
    const held = (
      appOnly ? (Array.isArray(c['roles']) ? (c['roles'] as unknown[]) : []) : typeof c.scp === 'string' ? c.scp.split(' ') : []
    ).filter((p): p is GraphPermission => typeof p === 'string' && !rt.permissions.graphDenies(p as GraphPermission));
    const enough: readonly GraphPermission[] = creatingApp
      ? appOnly
        ? ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'AppRegistration.Create']
        : ['Application.ReadWrite.All', 'AppRegistration.Create']
      : appOnly
        ? ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy']
        : ['Application.ReadWrite.All'];
    const wids = Array.isArray(c['wids']) ? (c['wids'] as unknown[]) : [];
    const directoryOk =
      appOnly || !creatingApp || rt.permissions.allowedToCreateApps || wids.some((w) => typeof w === 'string' && ADMIN_OR_DEVELOPER.has(w));
    if (held.some((p) => enough.includes(p)) && directoryOk) return undefined;
    // The message Graph answers for a missing permission or directory right (observed).
    return serviceError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  };
  const upsertTarget = /^\/applications\(uniqueName='((?:[^']|'')*)'\)$/i;
  const guarded = (route: FakeRoute): FakeRoute =>
    route.method === 'GET'
      ? route
      : {
          ...route,
          handle: (ctx) => {
            const unique = upsertTarget.exec(ctx.path)?.[1];
            const creatingApp =
              route.operation === 'applications.create' ||
              (route.method === 'PATCH' &&
                unique !== undefined &&
                prefersCreate(ctx.request) &&
                rt.state.applicationByUniqueName(unquote(unique)) === undefined);
            return refusal(ctx, creatingApp) ?? route.handle(ctx);
          },
        };
  return [
    ...authorizationPolicyRoutes(rt),
    ...[...applicationRoutes(rt), ...servicePrincipalRoutes(rt), ...federatedIdentityCredentialRoutes(rt)].map(guarded),
  ];
}
