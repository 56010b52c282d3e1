/**
 * The error union of `@wif/core`: everything a step or workflow can return, as data.
 * Branch on `kind` (and on `code` for service errors); each `message` says what to do next and
 * never holds a token or a secret.
 */
import type { LimitExceededError, TransportError, ValidationError } from '@wif/http';
import type {
  DevOpsIdentityNotFoundError,
  IdentityCredentialLimitError,
  IdentityLocationConflictError,
  UnsupportedRegionError,
} from './governanceErrors';

export type { DevOpsIdentityNotFoundError, IdentityCredentialLimitError, IdentityLocationConflictError, UnsupportedRegionError };

export type {
  Problem,
  SourceLocation,
  Service,
  ValidationError,
  HttpError,
  HttpErrorKind,
  NetworkError,
  InvalidResponseError,
  AuthenticationError,
  AbortedError,
  TransportError,
  LimitExceededError,
} from '@wif/http';

/** A connection's issuer or subject has no exactly-matching federated credential on the app. */
export interface SubjectMismatchError {
  readonly kind: 'SubjectMismatch';
  /** Which string differs. */
  readonly field: 'issuer' | 'subject';
  /** What the service connection presents (the truth). */
  readonly expected: string;
  /** The closest value configured on the app, or `null` when the app has no credential to compare with. */
  readonly actual: string | null;
  /** Zero-based index of the first differing character (`-1` when there is nothing to compare). */
  readonly firstDifferenceAt: number;
  /** A short diagnosis, e.g. "differs only in letter case". */
  readonly hint: string;
  readonly connectionId: string;
  readonly appObjectId: string;
  readonly message: string;
}

/** The matching credential exists but its audience is not exactly `api://AzureADTokenExchange`. */
export interface AudienceMismatchError {
  readonly kind: 'AudienceMismatch';
  readonly expected: string;
  readonly actual: readonly string[];
  readonly credentialName: string;
  readonly appObjectId: string;
  readonly message: string;
}

/** The app is multi-tenant; the Entra issuer rejects it with AADSTS70052. */
export interface MultiTenantAppError {
  readonly kind: 'MultiTenantApp';
  readonly appId: string;
  readonly signInAudience: string;
  readonly message: string;
}

/** The connection is bound to another identity (app id or tenant) than the one given. */
export interface IdentityMismatchError {
  readonly kind: 'IdentityMismatch';
  readonly field: 'appId' | 'tenantId';
  readonly connection: string;
  readonly expected: string;
  readonly message: string;
}

/** A role that can grant itself more access was asked for at subscription or management-group scope. */
export interface PrivilegedRoleRefusedError {
  readonly kind: 'PrivilegedRoleRefused';
  readonly role: string;
  readonly scope: string;
  readonly message: string;
}

/** No role definition with that name is assignable at the scope. */
export interface RoleNotFoundError {
  readonly kind: 'RoleNotFound';
  readonly role: string;
  readonly scope: string;
  /** A role that exists at the scope with a close name (`Contributor` for `Contributer`), when there is one. */
  readonly suggestion?: string;
  readonly message: string;
}

/**
 * The app registration a spec adopts by its application (client) id (`app: { appId }`) does not
 * exist, or the caller cannot read it. wif never creates an adopted app.
 */
export interface AppNotFoundError {
  readonly kind: 'AppNotFound';
  readonly appId: string;
  readonly message: string;
}

/** A service connection of that name exists but cannot be adopted (a secret, another app, another type). */
export interface ConnectionConflictError {
  readonly kind: 'ConnectionConflict';
  readonly reason: 'UsesSecret' | 'OtherScheme' | 'OtherType' | 'OtherApp' | 'OtherTenant';
  readonly connectionId: string;
  readonly name: string;
  readonly project: string;
  readonly message: string;
}

/** The app already holds the maximum number of federated credentials. */
export interface CredentialLimitError {
  readonly kind: 'CredentialLimit';
  readonly appObjectId: string;
  readonly limit: number;
  readonly message: string;
}

/**
 * A saved (or confirmed) plan no longer matches what exists or what the spec says: something
 * changed between `plan` and `apply`. Nothing was written for the connection; plan again.
 */
export interface StalePlanError {
  readonly kind: 'StalePlan';
  /** The connection's `project/name` key (absent when the whole plan is stale: the spec changed). */
  readonly key?: string;
  /** What changed, e.g. `serviceConnection sc-one: description "a" → "b"`. */
  readonly changed: readonly string[];
  readonly message: string;
}

/** One permission the caller lacks, found by the preflight before any write. */
export interface MissingPermission {
  readonly service: 'graph' | 'arm' | 'devops';
  /** e.g. `Microsoft.Authorization/roleAssignments/write`, `ServiceEndpoints/Create`, `Application.ReadWrite.All`. */
  readonly permission: string;
  /** The ARM scope, `project web`, or `tenant {id}`. */
  readonly scope: string;
  /** Who can fix it and how, e.g. "Endpoint Creator in project web: ask a Project Administrator …". */
  readonly fix: string;
}

/**
 * The preflight found that the caller lacks a permission one of the connection's writes needs:
 * `apply` sends no write for this connection. `missing` lists every such permission (the first is
 * repeated in the top-level fields).
 */
export interface PermissionMissingError extends MissingPermission {
  readonly kind: 'PermissionMissing';
  /** Who wif runs as (UPN, object id or Azure DevOps identity). */
  readonly caller: string;
  readonly missing: readonly MissingPermission[];
  readonly message: string;
}

/** Everything `@wif/core` can fail with. */
export type WifError =
  | ValidationError
  | TransportError
  | LimitExceededError
  | SubjectMismatchError
  | AudienceMismatchError
  | MultiTenantAppError
  | IdentityMismatchError
  | PrivilegedRoleRefusedError
  | RoleNotFoundError
  | AppNotFoundError
  | ConnectionConflictError
  | CredentialLimitError
  | IdentityLocationConflictError
  | UnsupportedRegionError
  | IdentityCredentialLimitError
  | DevOpsIdentityNotFoundError
  | StalePlanError
  | PermissionMissingError;

/** Every `kind` of {@link WifError}. */
export type WifErrorKind = WifError['kind'];
