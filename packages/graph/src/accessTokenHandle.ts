import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { registerSecret } from '@wif/http';

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * An access token from the Entra token endpoint, held so it cannot leak: the value lives in a
 * private field, is registered for redaction, and never shows in `JSON.stringify`, `console.log`
 * or `util.inspect`. Use it through {@link AccessTokenHandle.asCredential}.
 *
 * @example
 * const arm = createArmClient({ credential: handle.asCredential() });
 */
export class AccessTokenHandle {
  readonly #token: string;
  /** The OAuth token type, `Bearer`. */
  readonly tokenType: string;
  /** When the token expires, in milliseconds since the epoch. */
  readonly expiresOnTimestamp: number;
  /** The scope the token was issued for, e.g. `https://management.azure.com/.default`. */
  readonly scope: string;

  constructor(init: { readonly token: string; readonly tokenType: string; readonly expiresOnTimestamp: number; readonly scope: string }) {
    registerSecret(init.token);
    this.#token = init.token;
    this.tokenType = init.tokenType;
    this.expiresOnTimestamp = init.expiresOnTimestamp;
    this.scope = init.scope;
  }

  /**
   * A `TokenCredential` that hands out this token, for any client of wif or the Azure SDK.
   * `getToken` rejects a different scope (the token would be refused) and an expired token
   * (exchange a fresh assertion instead).
   */
  asCredential(): TokenCredential {
    return {
      getToken: async (scopes: string | string[]): Promise<AccessToken> => {
        const asked = typeof scopes === 'string' ? [scopes] : scopes;
        if (!asked.includes(this.scope)) {
          throw new Error(`This access token was issued for ${this.scope}, not ${asked.join(' ')}; exchange the assertion for that scope.`);
        }
        if (Date.now() >= this.expiresOnTimestamp) {
          throw new Error('This access token has expired; exchange a fresh assertion.');
        }
        return { token: this.#token, expiresOnTimestamp: this.expiresOnTimestamp, tokenType: 'Bearer' };
      },
    };
  }

  toJSON(): { tokenType: string; scope: string; expiresOnTimestamp: number } {
    return { tokenType: this.tokenType, scope: this.scope, expiresOnTimestamp: this.expiresOnTimestamp };
  }

  toString(): string {
    return `AccessTokenHandle(${this.scope}, [REDACTED])`;
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}
