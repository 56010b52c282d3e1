/**
 * Resolving the groups and users a spec names to Azure DevOps identity ids (what check approvers
 * and role assignments take). `[Project]\Group` and plain names are searched with
 * `searchFilter=General` and matched exactly on `providerDisplayName`; mail addresses with
 * `MailAddress`; a GUID is taken as an identity id. A name that matches nothing (the service answers
 * 200 with `count: 0`) or several identities is a `DevOpsIdentityNotFound` error.
 */
import { type DevOpsClient, searchIdentities } from '@wif/devops';
import type { TransportError } from '@wif/http';
import { err, ok, ResultAsync } from 'neverthrow';
import type { DevOpsIdentityNotFoundError } from '../governanceErrors';
import type { StepOptions } from '../types';
import { isGuid } from '../validation';

/** Resolves each distinct name once; the map is keyed by the name as written. */
export function resolveDevOpsIdentities(
  deps: { readonly devops: DevOpsClient },
  names: readonly string[],
  o: StepOptions = {},
): ResultAsync<ReadonlyMap<string, string>, TransportError | DevOpsIdentityNotFoundError> {
  const distinct = [...new Set(names)];
  const one = (name: string): ResultAsync<readonly [string, string], TransportError | DevOpsIdentityNotFoundError> => {
    if (isGuid(name)) return new ResultAsync(Promise.resolve(ok([name, name.toLowerCase()] as const)));
    const mail = /^[^@\s\\]+@[^@\s]+$/.test(name);
    return searchIdentities(
      deps.devops,
      mail ? 'MailAddress' : 'General',
      name,
      o.abortSignal ? { abortSignal: o.abortSignal } : {},
    ).andThen((found) => {
      const exact = mail ? found : found.filter((i) => (i.providerDisplayName ?? '').toLowerCase() === name.toLowerCase());
      if (exact.length === 1) return ok([name, exact[0]!.id.toLowerCase()] as const);
      return err<never, DevOpsIdentityNotFoundError>({
        kind: 'DevOpsIdentityNotFound',
        name,
        reason: exact.length === 0 ? 'NotFound' : 'Ambiguous',
        message:
          exact.length === 0
            ? `Azure DevOps knows no group or user "${name}": write groups as [Project]\\Group (or [Organization]\\Group) and users by mail address.`
            : `"${name}" matches ${exact.length} identities in Azure DevOps: give its identity id instead.`,
      });
    });
  };
  return ResultAsync.combine(distinct.map(one)).map((pairs) => new Map(pairs));
}
