/**
 * Client secrets on an app wif made. An app on workload identity federation needs none, and whoever
 * holds one signs in as the connection's identity outside any pipeline (the audit's `AppHasSecret`).
 * `plan` shows each as a `delete` (removed only by sync with prune), `sync` reports it as drift,
 * `sync --prune` removes it (Graph `removePassword`). The one place this is decided, for plan and
 * sync alike. An adopted app (`app: { appId }`) is left as it is: wif changes nothing on it (verify
 * warns about its secrets). Certificates are not removed: Graph's `removeKey` needs a proof signed by
 * the certificate's own key (verify warns about them too). @internal
 */
import type { Application } from '@wif/graph';
import type { DesiredConnection } from '../spec/load';

/** What plan says of such a secret, and sync reports. */
export const SECRET_NOTE = 'a client secret workload identity federation does not need: removed only by sync with prune';

/** One client secret to remove: its key id, and how it is shown (never its value, which Graph does not return). */
export interface SecretToRemove {
  readonly keyId: string;
  readonly label: string;
}

/** The client secrets on `app` that sync with prune removes: every one with a key id, on an app wif made (not adopted). */
export function secretsToRemove(app: Pick<Application, 'passwordCredentials'>, c: Pick<DesiredConnection, 'app'>): SecretToRemove[] {
  if (c.app.appId !== undefined) return [];
  return (app.passwordCredentials ?? []).flatMap((p) =>
    p.keyId
      ? [
          {
            keyId: p.keyId,
            label: `client secret${p.displayName ? ` "${p.displayName}"` : ''} (key id ${p.keyId}${p.endDateTime ? `, ends ${p.endDateTime}` : ''})`,
          },
        ]
      : [],
  );
}
