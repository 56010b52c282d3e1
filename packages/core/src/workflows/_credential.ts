/**
 * The credential decision shared by `plan` and the engine, including the issuer change: when a
 * connection presents another issuer than its credential, the new credential is bound under a new
 * name and the old one stays until the new one verifies.
 */
import type { FederatedIdentityCredential } from '@wif/graph';
import { FEDERATION_AUDIENCE, issuerKind } from '../constants';
import { credentialNameFor, type CredentialDecision, decideCredential } from '../steps/bindFederatedCredential';
import type { DriftKind, FieldChange } from './types';

/** How to bind a connection's credential, and what to remove after verification. */
export interface CredentialPlan {
  readonly decision: CredentialDecision;
  /** The name to bind under: `ado-sc-{id}`, or `ado-sc-{id}-{entra|legacy}` during an issuer change. */
  readonly name: string;
  /** wif's credentials for this connection that the connection no longer presents: deleted once the new one verifies. */
  readonly stale: readonly FederatedIdentityCredential[];
  /** wif's credentials for other connections (`ado-sc-{other id}`, e.g. of a deleted one): reported, removed only with prune. */
  readonly orphans: readonly FederatedIdentityCredential[];
  /** How the bound credential differed, unless it is unchanged. */
  readonly drift?: DriftKind;
  readonly changes: readonly FieldChange[];
}

/** `ado-sc-`: the prefix of every credential name wif gives. */
const PREFIX = credentialNameFor('');

/** Whether wif named this credential (for some connection). */
export const isWifCredential = (name: string): boolean => name.toLowerCase().startsWith(PREFIX);

const changesOf = (
  from: Pick<FederatedIdentityCredential, 'issuer' | 'subject' | 'audiences'> | undefined,
  issuer: string,
  subject: string,
): FieldChange[] => [
  ...(from?.issuer !== issuer ? [{ field: 'issuer', from: from?.issuer ?? null, to: issuer }] : []),
  ...(from?.subject !== subject ? [{ field: 'subject', from: from?.subject ?? null, to: subject }] : []),
  ...(from && from.audiences.join(',') !== FEDERATION_AUDIENCE
    ? [{ field: 'audiences', from: from.audiences.join(','), to: FEDERATION_AUDIENCE }]
    : []),
];

/**
 * Whether saving a connection (a rename, its data, its description) leaves the issuer and subject
 * it presents now as they are, so that a plan can decide its credential from them instead of
 * leaving it to what the saved connection will report. Only on the Entra issuer: its subject is
 * made of ids (`/eid1/…/sc/{organization id}/{connection id}`) and survives a rename, while a legacy
 * subject holds names and saving a legacy connection can move it to the Entra issuer
 * (docs/reference/federation.md §1). A change of tenant or app is never a save here: a connection
 * bound to another one is a conflict. Pure.
 */
export function presentsSameAfterSave(issuer: string | undefined, subject: string | undefined): boolean {
  return !!issuer && !!subject && issuerKind(issuer) === 'entra';
}

/** Decides how to bind `connectionId`'s issuer and subject, given the app's credentials. Pure. */
export function planCredential(
  credentials: readonly FederatedIdentityCredential[],
  connectionId: string,
  issuer: string,
  subject: string,
): CredentialPlan {
  const primary = credentialNameFor(connectionId);
  const first = decideCredential(credentials, issuer, subject, primary);
  // Another issuer on our credential: bind under a new name so that the old one keeps working until the new one is proven.
  const switching = first.action === 'rebind' && first.credential.issuer !== issuer;
  const name = switching ? `${primary}-${issuerKind(issuer)}` : primary;
  const decision = switching ? decideCredential(credentials, issuer, subject, name) : first;
  const ours = (n: string): boolean => n.toLowerCase() === primary || n.toLowerCase().startsWith(`${primary}-`);
  const stale = credentials.filter(
    (f) => ours(f.name) && f.name.toLowerCase() !== name.toLowerCase() && !(f.issuer === issuer && f.subject === subject),
  );
  const orphans = credentials.filter((f) => isWifCredential(f.name) && !ours(f.name));
  const old = stale.find((f) => f.issuer !== issuer);
  const base = { decision, name, stale, orphans };
  switch (decision.action) {
    case 'unchanged':
      return { ...base, changes: [] };
    case 'create':
    case 'limit':
      return old
        ? { ...base, drift: 'issuerChanged', changes: changesOf(old, issuer, subject) }
        : { ...base, drift: 'missing', changes: [] };
    case 'fixAudience':
    case 'rebind':
      return { ...base, drift: old ? 'issuerChanged' : 'altered', changes: changesOf(old ?? decision.credential, issuer, subject) };
  }
}
