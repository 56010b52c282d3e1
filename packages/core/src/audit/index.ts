// `@wif/core/audit`: the public surface of this area (a subpath export, off the root entry).
export {
  AUDIT_SCHEMA_VERSION,
  AUDIT_CODES,
  AUDIT_CHECKS,
  AUDIT_CHECK_OF,
  FIXES as AUDIT_FIXES,
  UNREADABLE_CODES,
  readFailureCause,
  unreadableFix,
  type AuditCheck,
  type ReadFailureCause,
  SEVERITIES,
  auditFindingSchema,
  severityRank,
  type Severity,
  type AuditCode,
  type AuditFinding,
  type AuditedConnection,
} from './findings';
export {
  auditOrganization,
  auditConnections,
  type AuditClients,
  type AuditOptions,
  type AuditRun,
  type AuditStats,
  type AuditRecord,
  type AuditRecordRun,
} from './auditOrganization';
export { summarizeAudit, createAuditTally, formatAuditTable, type AuditSummary, type AuditTally, type FailOn } from './format';
