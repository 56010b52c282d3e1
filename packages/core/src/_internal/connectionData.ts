/**
 * Who the caller is in Azure DevOps (`GET _apis/connectionData`), read once: the CLI's access check,
 * the preflight, governance (the caller's own role on a connection is never drift) and the issuer
 * conversion all ask, and the answer (the organization id, the signed-in identity) does not change
 * under one credential. One read per client, shared by the clients `createClients` made with
 * `sameCaller` (the CLI's no-retry copy for its access check and the clients of the run).
 *
 * - Readers at the same time share the one request in flight.
 * - Only a success is kept: a failed read is forgotten, so the next reader reads again.
 * - A failure is shared only with readers of the client that sent it (same retry policy, same abort
 *   signal owner): a reader of another client (one that retries, where the check did not) reads
 *   again through its own client, and a reader whose own signal is not aborted does not take
 *   another reader's `Aborted`.
 * @internal
 */
import { type ConnectionData, type DevOpsClient, getConnectionData } from '@wif/devops';
import type { OperationOptions, TransportError } from '@wif/http';
import { type Result, ResultAsync } from 'neverthrow';

interface Read {
  readonly client: DevOpsClient;
  readonly result: Promise<Result<ConnectionData, TransportError>>;
}

/** What clients of one credential and organization share. */
export interface ConnectionDataMemo {
  /** Which credentials, organization and endpoint the memo is for: clients share it only when all match. */
  readonly key: readonly unknown[];
  current?: Read;
}

const memos = new WeakMap<DevOpsClient, ConnectionDataMemo>();

/** Gives `client` the memo of `key`, `from`'s when `from` has one for the same key. */
export function shareConnectionData(client: DevOpsClient, key: readonly unknown[], from?: DevOpsClient): void {
  const theirs = from ? memos.get(from) : undefined;
  const same = theirs !== undefined && theirs.key.length === key.length && theirs.key.every((k, i) => k === key[i]);
  memos.set(client, same ? theirs : { key });
}

function memoOf(client: DevOpsClient): ConnectionDataMemo {
  let memo = memos.get(client);
  if (!memo) {
    memo = { key: [client] };
    memos.set(client, memo);
  }
  return memo;
}

/** `connectionData` through the memo of `devops` (see the module's comment). */
export function readConnectionData(devops: DevOpsClient, o: OperationOptions = {}): ResultAsync<ConnectionData, TransportError> {
  const memo = memoOf(devops);
  const send = (): Read => {
    const read: Read = {
      client: devops,
      result: Promise.resolve(getConnectionData(devops, o.abortSignal ? { abortSignal: o.abortSignal } : {})).then((r) => {
        if (r.isErr() && memo.current === read) delete memo.current;
        return r;
      }),
    };
    memo.current = read;
    return read;
  };
  const joined = memo.current ?? send();
  return new ResultAsync(
    joined.result.then((r) => {
      const theirs = r.isErr() && (joined.client !== devops || (r.error.kind === 'Aborted' && o.abortSignal?.aborted !== true));
      if (!theirs) return r;
      // Not this reader's failure: read again, joining a read of this client if one is in flight.
      return (memo.current?.client === devops ? memo.current : send()).result;
    }),
  );
}
