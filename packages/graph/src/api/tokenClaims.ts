/**
 * The claims of the caller's own access token: who wif runs as and what the token allows
 * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference). Only the
 * payload is decoded; the signature is not checked (the token came from the caller's own
 * credential) and the token itself is never returned, logged or kept.
 */
import type { TokenCredential } from '@azure/core-auth';
import { type AbortedError, type AuthenticationError, registerSecret } from '@wif/http';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { GraphRequestOptions } from './options';

/** What wif reads from an access token. */
export interface AccessTokenClaims {
  /** Object id of the caller (user or service principal). */
  readonly oid?: string;
  readonly tid?: string;
  /** `app` for an app-only token; absent for a user (delegated) token. */
  readonly idtyp?: string;
  /** The client (application) id that asked for the token (`appid` in v1 tokens, `azp` in v2). */
  readonly appId?: string;
  /** The user's sign-in name, when the token has one (`upn`, else `preferred_username`, else `unique_name`). */
  readonly upn?: string;
  /** Delegated permissions (`scp`, space-separated in the token). */
  readonly scp: readonly string[];
  /** Application permissions (`roles`) of an app-only token. */
  readonly roles: readonly string[];
  /**
   * Directory role template ids (`wids`); `undefined` when the token has no `wids` claim (it then
   * says nothing about directory roles).
   */
  readonly wids?: readonly string[];
  /** Whether the token is app-only (`idtyp` = `app`; a token without `idtyp` is a user token). */
  readonly appOnly: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/**
 * Decodes the claims of a JWT access token (payload only). Answers `undefined` for anything that
 * is not a JWT with a JSON payload (e.g. an opaque token).
 *
 * @example decodeAccessTokenClaims(token)?.roles.includes('Application.ReadWrite.OwnedBy')
 */
export function decodeAccessTokenClaims(token: string): AccessTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const c = payload as Record<string, unknown>;
  const idtyp = str(c['idtyp']);
  const oid = str(c['oid']);
  const tid = str(c['tid']);
  const appId = str(c['appid']) ?? str(c['azp']);
  const upn = str(c['upn']) ?? str(c['preferred_username']) ?? str(c['unique_name']);
  const wids = strings(c['wids']);
  return {
    ...(oid !== undefined ? { oid } : {}),
    ...(tid !== undefined ? { tid } : {}),
    ...(idtyp !== undefined ? { idtyp } : {}),
    ...(appId !== undefined ? { appId } : {}),
    ...(upn !== undefined ? { upn } : {}),
    scp: (str(c['scp']) ?? '').split(' ').filter(Boolean),
    roles: strings(c['roles']) ?? [],
    ...(wids !== undefined ? { wids } : {}),
    appOnly: idtyp === 'app',
  };
}

/**
 * Gets a token for `scope` from `credential` (the same token the writes will carry) and decodes
 * its claims. Sends no request beyond what the credential does to get a token.
 *
 * Errors: `Authentication` (no token, or a token that is not a JWT), `Aborted`.
 * @example readAccessTokenClaims(new AzureCliCredential(), 'https://graph.microsoft.com/.default')
 */
export function readAccessTokenClaims(
  credential: TokenCredential,
  scope: string,
  options: GraphRequestOptions = {},
): ResultAsync<AccessTokenClaims, AuthenticationError | AbortedError> {
  if (options.abortSignal?.aborted) return errAsync({ kind: 'Aborted', message: 'The operation was aborted.' });
  return ResultAsync.fromPromise(
    credential.getToken(scope, options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    (): AuthenticationError | AbortedError =>
      options.abortSignal?.aborted
        ? { kind: 'Aborted', message: 'The operation was aborted.' }
        : {
            kind: 'Authentication',
            service: 'graph',
            message: 'The credential gave no token for Microsoft Graph; sign in again (az login).',
          },
  ).andThen((token) => {
    if (token === null) {
      return errAsync<AccessTokenClaims, AuthenticationError>({
        kind: 'Authentication',
        service: 'graph',
        message: 'The credential gave no token for Microsoft Graph; sign in again (az login).',
      });
    }
    registerSecret(token.token);
    const claims = decodeAccessTokenClaims(token.token);
    return claims
      ? okAsync(claims)
      : errAsync<AccessTokenClaims, AuthenticationError>({
          kind: 'Authentication',
          service: 'graph',
          message: 'The Microsoft Graph token is not a JWT; its permissions cannot be read.',
        });
  });
}
