/** The workflows of `@wif/core`: plan, apply and sync a spec of service connections. */
export { createClients, type WifClients, type CreateClientsOptions } from './clients';
export { plan, type Plan, type ConnectionPlan, type PlanOptions, type OrphanPlan } from './plan';
export { serializePlan, parseSavedPlan, SAVED_PLAN_FORMAT, SAVED_PLAN_VERSION } from './savedPlan';
export { apply, type ApplyOptions, type ApplyReport, type ConnectionReport, type ConnectionStatus, type OrphanReport } from './apply';
export { DEFAULT_APPLY_CONCURRENCY } from './_engine';
export { sync, type SyncOptions, type SyncReport, type Drift } from './sync';
export {
  specFromOrganization,
  type SpecFromOrganization,
  type SpecFromOrganizationOptions,
  type WrittenConnection,
} from './specFromOrganization';
export type {
  ResourceKind,
  PlanAction,
  FieldChange,
  PlannedResource,
  AppliedResource,
  AppliedOutcome,
  DriftKind,
  StepTiming,
  Leftover,
} from './types';
