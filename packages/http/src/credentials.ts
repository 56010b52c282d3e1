import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { clip, redact, registerSecret } from './redact';

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * An Azure DevOps personal access token, sent as HTTP Basic auth (empty user name).
 * The value is held in a private field: it never shows in `JSON.stringify`, `console.log` or
 * `util.inspect`, and it is registered for redaction.
 *
 * @throws TypeError when the token is empty (a programmer error, not a runtime condition).
 * @example
 * const devops = createDevOpsClient({ organization: 'contoso', credential: new PersonalAccessTokenCredential(process.env.AZURE_DEVOPS_EXT_PAT!) });
 */
export class PersonalAccessTokenCredential {
  readonly kind = 'pat' as const;
  readonly #pat: string;

  constructor(pat: string) {
    if (typeof pat !== 'string' || pat.trim() === '') {
      throw new TypeError('PersonalAccessTokenCredential needs a non-empty token.');
    }
    this.#pat = pat.trim();
    // Long-lived and shapeless: pinned, so no number of short-lived tokens can evict it.
    registerSecret(this.#pat, { pinned: true });
    registerSecret(Buffer.from(`:${this.#pat}`).toString('base64'), { pinned: true });
  }

  /** The `Authorization` header value. Internal to the transport. */
  authorizationHeader(): string {
    return `Basic ${Buffer.from(`:${this.#pat}`).toString('base64')}`;
  }

  toJSON(): { kind: 'pat' } {
    return { kind: 'pat' };
  }

  toString(): string {
    return 'PersonalAccessTokenCredential([REDACTED])';
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}

/** What the Azure DevOps client accepts: any Entra `TokenCredential`, or a PAT. */
export type DevOpsCredential = TokenCredential | PersonalAccessTokenCredential;

export function isPersonalAccessTokenCredential(c: unknown): c is PersonalAccessTokenCredential {
  return c instanceof PersonalAccessTokenCredential;
}

/** `name` of the error thrown when a credential cannot produce a token; mapped to kind `Authentication`. */
export const WIF_AUTHENTICATION_ERROR = 'WifAuthenticationError';

/**
 * Wraps a credential so every token it hands out is registered for redaction before anyone can see
 * it, and so its failures are recognisable (and redacted) whatever credential class threw them.
 */
export function registeringCredential(inner: TokenCredential): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      let token: AccessToken | null;
      try {
        token = await inner.getToken(scopes, options);
      } catch (error) {
        if ((error as { name?: string })?.name === 'AbortError') throw error;
        throw authenticationFailure(`${(error as { name?: string })?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`);
      }
      if (!token) throw authenticationFailure('the credential returned no token.');
      registerSecret(token.token);
      return token;
    },
  };
}

function authenticationFailure(detail: string): Error {
  // Redact the whole text first, then keep its first line (and at most 500 characters of it).
  const first = redact(detail).split('\n')[0] ?? '';
  const e = new Error(clip(first, 500));
  e.name = WIF_AUTHENTICATION_ERROR;
  return e;
}
