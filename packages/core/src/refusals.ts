/**
 * Refusals: the errors a plan can find before any write (a name taken by a secret-based connection,
 * a role that does not exist, a privileged role at a broad scope, a plan gone stale). A connection
 * whose plan carries one gets no write at all from `apply`.
 *
 * To add a refusal (e.g. a missing permission found by a preflight read): add its error type to
 * {@link WifError} in errors.ts, its kind to {@link REFUSAL_KINDS} below, and return it from the
 * `decide` function that detects it. `plan` collects it, the table and JSON show it, and `apply`
 * skips the connection; nothing else changes.
 */
import type { WifError, WifErrorKind } from './errors';

/** Every error kind that is a refusal: found by `plan`, and apply writes nothing for that connection. */
export const REFUSAL_KINDS = [
  'ConnectionConflict',
  'RoleNotFound',
  'AppNotFound',
  'PrivilegedRoleRefused',
  'CredentialLimit',
  'StalePlan',
  'PermissionMissing',
  'DevOpsIdentityNotFound',
  // A connection on a managed identity: a region without identity credentials, an identity in
  // another region than the spec's, an identity at the 20-credential limit.
  'UnsupportedRegion',
  'IdentityLocationConflict',
  'IdentityCredentialLimit',
] as const satisfies readonly WifErrorKind[];

/** The kind of a {@link Refusal}. */
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

/** An error that a plan finds before any write, and that keeps apply from writing for the connection. */
export type Refusal = Extract<WifError, { readonly kind: RefusalKind }>;

const KINDS: ReadonlySet<string> = new Set(REFUSAL_KINDS);

/** Whether `e` is a {@link Refusal}. */
export function isRefusal(e: { readonly kind: string }): e is Refusal {
  return KINDS.has(e.kind);
}
