/**
 * Error kinds of the managed-identity, checks and security-roles steps (part of {@link WifError}).
 * Each `message` says what to do next.
 */

/** The identity exists in another region than the spec asks for (ARM cannot move it). */
export interface IdentityLocationConflictError {
  readonly kind: 'IdentityLocationConflict';
  readonly identityId: string;
  readonly existing: string;
  readonly wanted: string;
  readonly message: string;
}

/** The region cannot hold federated credentials on a user-assigned identity. */
export interface UnsupportedRegionError {
  readonly kind: 'UnsupportedRegion';
  readonly location: string;
  readonly message: string;
}

/** The managed identity already holds the maximum number of federated credentials. */
export interface IdentityCredentialLimitError {
  readonly kind: 'IdentityCredentialLimit';
  readonly identityId: string;
  readonly limit: number;
  readonly message: string;
}

/** A group or user named in the spec is not known to Azure DevOps (the lookup answered `count: 0`), or is ambiguous. */
export interface DevOpsIdentityNotFoundError {
  readonly kind: 'DevOpsIdentityNotFound';
  readonly name: string;
  readonly reason: 'NotFound' | 'Ambiguous' | 'Ignored';
  readonly message: string;
}
