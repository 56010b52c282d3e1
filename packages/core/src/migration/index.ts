// `@wif/core/migration`: the public surface of this area (a subpath export, off the root entry).
export type {
  JournalError,
  MigrationNotFoundError,
  MigrationStateError,
  NotMigratableError,
  SoakNotOverError,
  AppStillInUseError,
  OldConnectionInUseError,
  NewConnectionInUseError,
  IssuerNotSwitchedError,
  MigrationError,
} from './errors';
export {
  JOURNAL_SCHEMA_VERSION,
  MIGRATION_STEPS,
  memoryJournal,
  fileJournal,
  type FileJournalOptions,
  JournalLockedError,
  type JournalStore,
  type MemoryJournal,
  type MigrationStep,
  type MigrationRecord,
  type MigrationLogEntry,
  type ConversionRecord,
  listConversions,
  listMigrations,
} from './journal';
export type { MigrationOptions } from './_run';
export { startMigration, resumeMigration, checkStartMigrationInput, type StartMigrationInput, type StartMigrationOptions } from './migrate';
export { finishMigration, migrationUsage, DEFAULT_SOAK_IN_MS, type FinishMigrationOptions, type MigrationUsageOptions } from './finish';
export type { ConnectionUse, UsageSince } from './_usage';
export { rollbackMigration, type RollbackMigrationOptions } from './rollback';
export { migrationStatus, describeMigration, type MigrationStatus, type MigrationPhase } from './status';
export { convertConnectionScheme, type ConvertConnectionInput, type ConvertOptions } from './convertConnectionScheme';
export { convertIssuer } from './convertIssuer';
export {
  planConversion,
  convertInPlace,
  checkConversionInput,
  type ConversionKind,
  type ConversionInput,
  type ConversionPlan,
  type ConvertInPlaceOptions,
} from './convertInPlace';
