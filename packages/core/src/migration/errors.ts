/** The errors of the migration workflow, as data (branch on `kind`). */
import type { WifError } from '../errors';

/** The journal could not be read, written or understood. Nothing was lost: fix the cause and run again. */
export interface JournalError {
  readonly kind: 'Journal';
  /**
   * `Read`/`Write`: the store failed; `Corrupt`: not a wif journal; `Version`: written by a newer wif;
   * `Locked`: another process holds the journal's lock (the message names it).
   */
  readonly reason: 'Read' | 'Write' | 'Corrupt' | 'Version' | 'Locked';
  readonly message: string;
}

/** No migration with that id in the journal. */
export interface MigrationNotFoundError {
  readonly kind: 'MigrationNotFound';
  readonly id: string;
  readonly message: string;
}

/** The migration is not in a state that allows what was asked (finish before it is live, roll back after clean-up, …). */
export interface MigrationStateError {
  readonly kind: 'MigrationState';
  readonly id: string;
  readonly phase: string;
  readonly message: string;
}

/** The connection cannot be migrated or converted as asked. */
export interface NotMigratableError {
  readonly kind: 'NotMigratable';
  readonly connectionId: string;
  readonly reason:
    'OtherType' | 'OtherScheme' | 'NoIdentity' | 'NoTarget' | 'OtherCloud' | 'NotAutomatic' | 'SharedAcrossProjects' | 'NotLegacyIssuer';
  readonly message: string;
}

/** Clean-up was asked before the soak period ended (and without `force`). */
export interface SoakNotOverError {
  readonly kind: 'SoakNotOver';
  readonly id: string;
  readonly liveAt: string;
  readonly soakEndsAt: string;
  readonly remainingInMs: number;
  readonly message: string;
}

/** The old app is still named by other connections (or that could not be ruled out): it is not deleted. */
export interface AppStillInUseError {
  readonly kind: 'AppStillInUse';
  readonly appId: string;
  readonly connections: readonly { readonly id: string; readonly name: string; readonly projects: readonly string[] }[];
  /** Projects whose connections could not be listed: the app may be used there. */
  readonly unreadableProjects: readonly string[];
  readonly message: string;
}

/**
 * Pipelines ran with the old connection after the new one went live: they were not switched and
 * would fail once it is deleted. Point them at the new connection, or finish with `ignoreRecentUse`.
 */
export interface OldConnectionInUseError {
  readonly kind: 'OldConnectionInUse';
  readonly connectionId: string;
  /** Each pipeline's last use since the new connection went live, newest first. */
  readonly uses: readonly {
    readonly project: string;
    readonly pipeline: string;
    readonly run: string;
    readonly at: string;
    readonly result: string | null;
  }[];
  readonly message: string;
}

/**
 * Pipelines ran with the new connection after it went live: they were switched to it, and rolling
 * back would delete the connection they now run with. Point them back at the old connection, or roll
 * back with `ignoreRecentUse`.
 */
export interface NewConnectionInUseError {
  readonly kind: 'NewConnectionInUse';
  readonly connectionId: string;
  /** Each pipeline's last use since the new connection went live, newest first. */
  readonly uses: OldConnectionInUseError['uses'];
  readonly message: string;
}

/** Saving the connection did not move it to the Entra issuer (the service did not switch it). */
export interface IssuerNotSwitchedError {
  readonly kind: 'IssuerNotSwitched';
  readonly connectionId: string;
  readonly issuer: string;
  readonly message: string;
}

/** Everything the migration functions can fail with. */
export type MigrationError =
  | WifError
  | JournalError
  | MigrationNotFoundError
  | MigrationStateError
  | NotMigratableError
  | SoakNotOverError
  | AppStillInUseError
  | OldConnectionInUseError
  | NewConnectionInUseError
  | IssuerNotSwitchedError;
