/** Where to call ARM with the exchanged token when the caller does not say. */
import { listRoleAssignments } from '@wif/arm';
import { getServicePrincipal } from '@wif/graph';
import { validationError } from '@wif/http';
import { errAsync, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import type { WifClients } from '../workflows/clients';

export interface ResolvedScope {
  readonly scope: string;
  readonly source: 'input' | 'roleAssignment' | 'connection';
}

/** The first page of a paged listing (and closes the iteration). */
export function firstPage<T, E>(iterable: AsyncGenerator<Result<readonly T[], E>, void, undefined>): ResultAsync<readonly T[], E> {
  return ResultAsync.fromSafePromise(
    (async (): Promise<Result<readonly T[], E>> => {
      const first = await iterable.next();
      await iterable.return(undefined);
      return first.done ? ok([]) : first.value;
    })(),
  ).andThen((r) => r);
}

/**
 * The scope of the first role assignment of the connection's service principal (listed with the
 * operator's ARM client: at, above and below the connection's target), else the target itself.
 * A service principal Graph cannot find falls back to the target: the exchange then says why
 * (AADSTS7000229 or 700016), which is the better error.
 */
export function resolveScope(
  clients: WifClients,
  connection: { readonly name: string; readonly appId: string; readonly target: string | undefined },
  scope: string | undefined,
  options: { abortSignal?: AbortSignal },
): ResultAsync<ResolvedScope, WifError> {
  if (scope !== undefined) return okAsync({ scope, source: 'input' });
  const target = connection.target;
  if (target === undefined) {
    return errAsync(
      validationError([
        { path: 'scope', message: `connection "${connection.name}" names no subscription or management group: pass the scope to call` },
      ]),
    );
  }
  return getServicePrincipal(clients.graph, { appId: connection.appId }, options)
    .andThen((sp) => firstPage(listRoleAssignments(clients.arm, target, { principalId: sp.id }, options)))
    .map((assignments): ResolvedScope => {
      const first = assignments[0];
      return first ? { scope: first.properties.scope, source: 'roleAssignment' } : { scope: target, source: 'connection' };
    })
    .orElse((e) =>
      e.kind === 'NotFound' && e.service === 'graph' ? ok<ResolvedScope, WifError>({ scope: target, source: 'connection' }) : errAsync(e),
    );
}
