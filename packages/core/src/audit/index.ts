// Public surface of this area; the package index re-exports everything here.
export {
  AUDIT_SCHEMA_VERSION,
  AUDIT_CODES,
  SEVERITIES,
  auditFindingSchema,
  severityRank,
  type Severity,
  type AuditCode,
  type AuditFinding,
  type AuditedConnection,
} from './findings';
export { auditOrganization, type AuditClients, type AuditOptions, type AuditRun, type AuditStats } from './auditOrganization';
export { summarizeAudit, formatAuditTable, type AuditSummary, type FailOn } from './format';
