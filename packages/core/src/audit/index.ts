// `@wif/core/audit`: the public surface of this area (a subpath export, off the root entry).
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
