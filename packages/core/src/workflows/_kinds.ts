import type { ResourceKind } from './types';

/** Every resource kind, in the order a connection's resources are written and shown. The saved-plan schema accepts exactly these. */
export const KIND_ORDER = [
  'managedIdentity',
  'application',
  'appSecret',
  'servicePrincipal',
  'roleAssignment',
  'serviceConnection',
  'federatedCredential',
  'identityCredential',
  'projectShare',
  'pipelinePermission',
  'check',
  'securityRole',
] as const satisfies readonly ResourceKind[];
