/** The audience every federated identity credential for Azure DevOps uses (docs/reference/federation.md §1). */
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/** Entra allows at most this many federated identity credentials per application (docs/reference/graph.md §5). */
export const MAX_FEDERATED_CREDENTIALS_PER_APP = 20;

/** The tag wif puts on every application it registers, so audits and clean-ups can recognise them. */
export const WIF_MANAGED_TAG = 'wif:managed';

/** The date the Azure DevOps (`vstoken`) issuer is retired for eligible connections (docs/reference/federation.md §1). */
export const LEGACY_ISSUER_RETIREMENT_DATE = '2027-07-01';

/** Issuer prefix of the legacy Azure DevOps issuer. */
export const LEGACY_ISSUER_PREFIX = 'https://vstoken.dev.azure.com/';
/** Older legacy issuer host still shown by some docs (docs/reference/federation.md §1). */
export const OLDER_LEGACY_ISSUER_PREFIX = 'https://app.vstoken.visualstudio.com';

/** Which of the two issuer formats an issuer string is. Anything else is `other`. */
export function issuerKind(issuer: string): 'entra' | 'legacy' | 'other' {
  if (issuer.startsWith(LEGACY_ISSUER_PREFIX) || issuer.startsWith(OLDER_LEGACY_ISSUER_PREFIX)) return 'legacy';
  if (
    /^https:\/\/login\.(microsoftonline\.com|microsoftonline\.us|chinacloudapi\.cn|partner\.microsoftonline\.cn)\/[0-9a-f-]{36}\/v2\.0$/i.test(
      issuer,
    )
  ) {
    return 'entra';
  }
  // The emulator and sovereign authorities: an Entra-style "/{tenant}/v2.0" issuer on another authority host.
  if (/^https?:\/\/[^/]+(\/[^/]+)*\/[0-9a-f-]{36}\/v2\.0$/i.test(issuer)) return 'entra';
  return 'other';
}

/**
 * wif's marker on a connection it manages: the end of its description. Together with the
 * `wif:managed` tag on the app it tells a connection wif made (and may prune) from any other.
 */
export const CONNECTION_MARKER = '(managed by wif)';

/** Whether a connection's description carries wif's marker. */
export const hasMarker = (description: string | null | undefined): boolean => (description ?? '').trim().endsWith(CONNECTION_MARKER);
