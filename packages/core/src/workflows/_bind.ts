/**
 * The credential branch of the engine: bind what the connection presents now, verify, then remove
 * what it no longer presents. @internal
 */
import {
  type Application,
  deleteFederatedIdentityCredential,
  type FederatedIdentityCredential,
  type GraphClient,
  listFederatedIdentityCredentials,
} from '@wif/graph';
import { err, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import { credentialLockKey, withLock } from '../_internal/lock';
import { bindValidated } from '../steps/bindFederatedCredential';
import type { ManualConnection } from '../steps/createManualConnection';
import { type TrustChainReport, verifySubject } from '../steps/verifySubject';
import type { WifClients } from './clients';
import { planCredential } from './_credential';
import { abortOnly, type EngineOptions, type Run, stepOptions } from './_run';
import type { DriftKind } from './types';

/** A credential to delete once the bound one is verified, and why. */
type Pending = { readonly f: FederatedIdentityCredential; readonly drift: DriftKind };

/**
 * Binds the issuer and subject the connection reports now, verifies the chain, and only then
 * removes wif's credentials for issuers or subjects the connection no longer presents: during an
 * issuer change both credentials exist until the new one is proven.
 */
export function credentialBranch(
  run: Run,
  clients: WifClients,
  application: Application,
  appIsNew: boolean,
  connection: ManualConnection,
  options: EngineOptions,
): ResultAsync<TrustChainReport | undefined, WifError> {
  const so = stepOptions(options);
  // A new app has no credential: no read before the first write.
  const current = appIsNew
    ? okAsync<FederatedIdentityCredential[], WifError>([])
    : run.timed('readCredentials', () => listFederatedIdentityCredentials(clients.graph, application.id, abortOnly(options)));
  return current.andThen((credentials) => {
    const p = planCredential(credentials, connection.id, connection.issuer, connection.subject);
    const bound =
      p.decision.action === 'unchanged'
        ? okAsync({ value: p.decision.credential, outcome: 'unchanged' as const })
        : run.timed('bindFederatedCredential', () =>
            bindValidated(
              clients.graph,
              {
                appObjectId: application.id,
                issuer: connection.issuer,
                subject: connection.subject,
                name: p.name,
                connectionId: connection.id,
              },
              so,
              { appIsNew },
            ),
          );
    return bound.andThen(({ value: fic, outcome }) => {
      const drift = outcome === 'unchanged' ? {} : { drift: p.drift ?? 'altered', changes: p.changes };
      run.record(
        { kind: 'federatedCredential', name: fic.name, id: fic.id, outcome, ...drift },
        { kind: 'federatedCredential', id: fic.id, name: fic.name, appObjectId: application.id },
      );
      const stale: Pending[] = p.stale.map((f) => ({ f, drift: 'stale' }));
      const orphans: Pending[] = options.inspectExtras ? p.orphans.map((f) => ({ f, drift: 'extra' })) : [];
      const report = (list: readonly Pending[]): void => {
        for (const { f, drift: d } of list)
          run.record({ kind: 'federatedCredential', name: f.name, id: f.id, outcome: 'reported', drift: d });
      };
      if (options.skipVerify) {
        report([...stale, ...orphans]);
        return okAsync<TrustChainReport | undefined, WifError>(undefined);
      }
      return run
        .timed('verifySubject', () =>
          verifySubject(
            { graph: clients.graph, devops: clients.devops },
            { project: connection.projectId, connectionId: connection.id, appObjectId: application.id },
            so,
          ),
        )
        .andThen((trust) => {
          // Only now that the bound credential is proven: stale ones go, and with prune the orphans too.
          if (!options.pruneExtras) report(orphans);
          const doomed = options.pruneExtras ? [...stale, ...orphans] : stale;
          return doomed.length === 0
            ? okAsync(trust)
            : run.timed('removeCredentials', () => removeCredentials(run, clients.graph, application.id, doomed, options)).map(() => trust);
        });
    });
  });
}

/** Deletes credentials one at a time, under the same per-app lock as binding (Entra refuses concurrent writes to one app). */
function removeCredentials(
  run: Run,
  graph: GraphClient,
  appObjectId: string,
  doomed: readonly Pending[],
  options: EngineOptions,
): ResultAsync<void, WifError> {
  return new ResultAsync(
    withLock(credentialLockKey('application', graph, appObjectId), async (): Promise<Result<void, WifError>> => {
      for (const { f, drift } of doomed) {
        const r = await deleteFederatedIdentityCredential(graph, appObjectId, f.id, abortOnly(options));
        if (r.isErr() && r.error.kind !== 'NotFound') return err(r.error);
        run.record({
          kind: 'federatedCredential',
          name: f.name,
          id: f.id,
          outcome: 'deleted',
          drift,
          changes: [{ field: 'subject', from: f.subject, to: null }],
        });
      }
      return ok(undefined);
    }),
  );
}
