/**
 * The two issuer/subject formats Azure DevOps gives a workload-identity-federation connection
 * (docs/reference/federation.md §1) and the RS256 signer for the in-pipeline OIDC tokens (docs/reference/federation.md §3).
 */
import { generateKeyPairSync, createHash, sign, verify, type KeyObject } from 'node:crypto';

/** The Azure DevOps application id (docs/reference/federation.md §1: `{A}` in the Entra subject prefix). */
export const AZURE_DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';
/** The audience a FIC for Azure DevOps carries (docs/reference/federation.md §1). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** Where each byte of .NET `Guid.ToByteArray()` comes from in the GUID as written: groups 1-3 reversed, the rest as is. */
const DOTNET_GUID_BYTE_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * base64url (no padding) of a GUID's bytes in .NET `Guid.ToByteArray()` order: the first three
 * groups little-endian, the last two as written. Observed derivation, not documented
 * (docs/reference/federation.md §1): `ff882432-09b0-437b-bd22-ca13c0037ded` → `MiSI_7AJe0O9IsoTwAN97Q`.
 * `@wif/core`'s `predictEntraFederation` encodes the same way with its own code, on purpose: this
 * fake is the oracle core's prediction is tested against, so it neither imports nor copies core's.
 */
export function dotnetGuidBase64Url(guid: string): string {
  const hex = guid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`Not a GUID: ${guid}`);
  const written = Buffer.from(hex, 'hex');
  return Buffer.from(DOTNET_GUID_BYTE_ORDER.map((i) => written[i]!)).toString('base64url');
}

export function entraIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export function entraSubject(tenantId: string, organizationId: string, endpointId: string): string {
  return `/eid1/c/pub/t/${dotnetGuidBase64Url(tenantId)}/a/${dotnetGuidBase64Url(AZURE_DEVOPS_APP_ID)}/sc/${organizationId}/${endpointId}`;
}

export function legacyIssuer(organizationId: string): string {
  return `https://vstoken.dev.azure.com/${organizationId}`;
}

export function legacySubject(organization: string, project: string, connection: string): string {
  return `sc://${organization}/${project}/${connection}`;
}

export type JwtClaims = Record<string, unknown>;

export type VerifyResult = { ok: true; claims: JwtClaims } | { ok: false; reason: 'malformed' | 'signature' };

/** Signs and verifies RS256 JWTs. */
export interface JwtSigner {
  sign(claims: JwtClaims): string;
  verify(token: string): VerifyResult;
}

interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
}

let processKeys: KeyPair | undefined;
/** One RSA key pair per process, made on first use: 2048-bit generation takes a noticeable moment. */
function keyPair(): KeyPair {
  if (!processKeys) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url')
      .slice(0, 27);
    processKeys = { privateKey, publicKey, kid };
  }
  return processKeys;
}

const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export function createJwtSigner(): JwtSigner {
  return {
    sign(claims) {
      const k = keyPair();
      const input = `${part({ typ: 'JWT', alg: 'RS256', kid: k.kid })}.${part(claims)}`;
      return `${input}.${sign('sha256', Buffer.from(input), k.privateKey).toString('base64url')}`;
    },
    verify(token) {
      const m = /^([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(token);
      if (!m) return { ok: false, reason: 'malformed' };
      let header: unknown;
      let claims: unknown;
      try {
        header = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
        claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8'));
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { ok: false, reason: 'malformed' };
      if ((header as { alg?: unknown }).alg !== 'RS256') return { ok: false, reason: 'signature' };
      const good = verify('sha256', Buffer.from(`${m[1]}.${m[2]}`), keyPair().publicKey, Buffer.from(m[3]!, 'base64url'));
      return good ? { ok: true, claims: claims as JwtClaims } : { ok: false, reason: 'signature' };
    },
  };
}
