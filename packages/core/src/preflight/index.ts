export { preflight, type PreflightOptions } from './preflight';
export {
  refuseMissingPermissions,
  writesOfConnection,
  writesFromPlan,
  writesFromSpec,
  refusalsFromReport,
  type PlannedConnectionWrites,
} from './fromPlan';
export {
  actionMatches,
  isActionAllowed,
  parseDelegationCondition,
  conditionAllows,
  type PermissionEntry,
  type DelegationCondition,
} from './evaluate';
export type {
  PreflightService,
  CheckStatus,
  CheckConfidence,
  GraphWrite,
  PreflightWrite,
  PreflightCaller,
  PreflightCheck,
  PreflightReport,
} from './types';
