/**
 * A development credential: hands out unsigned, JWT-shaped tokens whose claims say which resource
 * they are for. The contract handlers, the stateful fake and the emulator read those claims to check
 * that every request carries a token for the right service. Never accepted by a real service.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

export const TEST_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** Object id of the identity the test credential signs in as. */
export const TEST_CALLER_OBJECT_ID = '0c5a3fa2-7d3b-4a41-9a1e-8f4b0b3d2c11';

export interface TestTokenClaims {
  readonly aud: string;
  readonly scp: string;
  readonly tid: string;
  readonly oid: string;
  readonly iat: number;
  readonly exp: number;
  readonly [claim: string]: unknown;
}

export interface TestCredential extends TokenCredential {
  /** Every scope requested so far, in order (one entry per `getToken` call). */
  readonly requestedScopes: string[];
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The audience a real Entra v2 token carries for a `…/.default` scope. */
export function audienceForScope(scope: string): string {
  return scope.replace(/\/\.default$/, '');
}

/**
 * The delegated scopes (`scp`) a test token carries by default: for Microsoft Graph those an operator
 * signed in with a first-party tool has for wif's writes; `user_impersonation` elsewhere.
 */
export function defaultScopesFor(scope: string): string {
  return /graph\.microsoft\.com/i.test(scope) ? 'Application.ReadWrite.All Directory.Read.All User.Read' : 'user_impersonation';
}

/** Builds a test token for `scope` (a `…/.default` scope). */
export function makeTestToken(scope: string, claims: Partial<TestTokenClaims> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload: TestTokenClaims = {
    aud: audienceForScope(scope),
    scp: defaultScopesFor(scope),
    tid: TEST_TENANT_ID,
    oid: TEST_CALLER_OBJECT_ID,
    iat: now,
    exp: now + 3600,
    ...claims,
  };
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.wif-test-signature`;
}

/**
 * A `TokenCredential` for tests and the emulator. Each call returns a fresh test token for the
 * first requested scope.
 */
export function createTestCredential(
  options: {
    tenantId?: string;
    objectId?: string;
    /** Extra claims for every token, or a function of the scope (e.g. the fake's `callerClaims`). */
    claims?: Partial<TestTokenClaims> | ((scope: string) => Partial<TestTokenClaims>);
  } = {},
): TestCredential {
  const requestedScopes: string[] = [];
  return {
    requestedScopes,
    async getToken(scopes: string | string[], opts?: GetTokenOptions): Promise<AccessToken> {
      if (opts?.abortSignal?.aborted) {
        const e = new Error('aborted');
        e.name = 'AbortError';
        throw e;
      }
      const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
      requestedScopes.push(scope);
      return {
        token: makeTestToken(scope, {
          ...(options.tenantId ? { tid: options.tenantId } : {}),
          ...(options.objectId ? { oid: options.objectId } : {}),
          ...(typeof options.claims === 'function' ? options.claims(scope) : (options.claims ?? {})),
        }),
        expiresOnTimestamp: Date.now() + 3_600_000,
      };
    },
  };
}

/** Reads the claims of a bearer token made by {@link makeTestToken}; `undefined` for anything else. */
export function decodeTestToken(authorization: string | null | undefined): TestTokenClaims | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.(\S*)$/.exec(authorization);
  if (!m) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8')) as TestTokenClaims;
    return typeof claims.aud === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}
