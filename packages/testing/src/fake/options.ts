/** The knobs of the stateful fake, their defaults, and what every service module gets from it. */
import type { Route, RouteContext } from '../_router';
import { TEST_TENANT_ID } from '../credential';
import { AZURE_DEVOPS_APP_ID, type JwtSigner } from './federation';
import { guidFrom } from './_random';
import type { FakePermissions } from './permissions';
import type { FakeState } from './state';

export interface FakeOptions {
  /** Entra tenant of the directory and of issued tokens; default `TEST_TENANT_ID`. */
  tenantId?: string;
  /** Azure DevOps organization name; default `contoso`. */
  organization?: string;
  /** Azure DevOps organization id (GUID); default derived from the organization name. */
  organizationId?: string;
  /** Issuer/subject format for new WIF connections (docs/reference/federation.md §1); default `entra`. */
  issuerMode?: 'entra' | 'legacy';
  /** Service base URLs; default the public cloud (`graph` includes `/v1.0`). */
  baseUrls?: { graph?: string; arm?: string; devops?: string; entra?: string };
  /** Added to every response (default 0). */
  latencyInMs?: number;
  /** 0..1: fraction of requests answered 429 + `Retry-After` before doing any work. */
  throttleRate?: number;
  /** `Retry-After` (seconds) on injected 429s and 503s; default 0 so tests stay fast. */
  retryAfterSeconds?: number;
  /** 0..1: fraction of requests answered 503 before doing any work. */
  serverErrorRate?: number;
  /** 0..1: fraction of requests answered with a network error before doing any work. */
  resetRate?: number;
  /** A new service principal is invisible to Graph reads and to ARM for this long; default 0. */
  replicationLagInMs?: number;
  /** A new app is unknown to `POST /servicePrincipals` (400 `Request_BadRequest`) for this long; default 0. */
  appReplicationLagInMs?: number;
  /** A written federated credential is unusable at the token endpoint (AADSTS70021) for this long; default 0. */
  ficPropagationInMs?: number;
  /** Role assignments per ARM list page before a `nextLink`; default 100. */
  armPageSize?: number;
  /** Seed of the fault PRNG and of generated GUIDs; default 1. */
  seed?: number;
  /** Time source (epoch ms) for timestamps, replication lag and token lifetimes; default `Date.now`. */
  clock?: () => number;
}

export interface ResolvedOptions {
  readonly tenantId: string;
  readonly organization: string;
  readonly organizationId: string;
  readonly baseUrls: { readonly graph: string; readonly arm: string; readonly devops: string; readonly entra: string };
  issuerMode: 'entra' | 'legacy';
  latencyInMs: number;
  throttleRate: number;
  retryAfterSeconds: number;
  serverErrorRate: number;
  resetRate: number;
  replicationLagInMs: number;
  ficPropagationInMs: number;
  appReplicationLagInMs: number;
  armPageSize: number;
  seed: number;
  clock: () => number;
}

/** The token audience each service checks (what `createTestCredential` puts in `aud` for its scope). */
export const SERVICE_AUDIENCES: Readonly<Record<'graph' | 'arm' | 'devops', string>> = {
  graph: 'https://graph.microsoft.com',
  arm: 'https://management.azure.com',
  devops: AZURE_DEVOPS_APP_ID,
};

/** Options that fix the fake's identity and routing; `setOptions` cannot change them. */
export const FIXED_OPTIONS = ['tenantId', 'organization', 'organizationId', 'baseUrls'] as const;

const trim = (url: string): string => url.replace(/\/+$/, '');

function rate(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!(v >= 0 && v <= 1)) throw new RangeError(`wif fake: ${name} must be between 0 and 1, got ${String(value)}`);
  return v;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`wif fake: ${name} must be a non-negative number, got ${String(value)}`);
  return v;
}

/** Applies `patch` over `base` (or the defaults); throws `RangeError` for an out-of-range knob. */
export function resolveOptions(patch: FakeOptions, base?: ResolvedOptions): ResolvedOptions {
  const organization = base?.organization ?? patch.organization ?? 'contoso';
  const armPageSize = nonNegative('armPageSize', patch.armPageSize, base?.armPageSize ?? 100);
  if (armPageSize < 1) throw new RangeError('wif fake: armPageSize must be at least 1');
  return {
    tenantId: (base?.tenantId ?? patch.tenantId ?? TEST_TENANT_ID).toLowerCase(),
    organization,
    organizationId: (base?.organizationId ?? patch.organizationId ?? guidFrom(`organization/${organization.toLowerCase()}`)).toLowerCase(),
    baseUrls: base?.baseUrls ?? {
      graph: trim(patch.baseUrls?.graph ?? 'https://graph.microsoft.com/v1.0'),
      arm: trim(patch.baseUrls?.arm ?? 'https://management.azure.com'),
      devops: trim(patch.baseUrls?.devops ?? 'https://dev.azure.com'),
      entra: trim(patch.baseUrls?.entra ?? 'https://login.microsoftonline.com'),
    },
    issuerMode: patch.issuerMode ?? base?.issuerMode ?? 'entra',
    latencyInMs: nonNegative('latencyInMs', patch.latencyInMs, base?.latencyInMs ?? 0),
    throttleRate: rate('throttleRate', patch.throttleRate ?? base?.throttleRate),
    retryAfterSeconds: nonNegative('retryAfterSeconds', patch.retryAfterSeconds, base?.retryAfterSeconds ?? 0),
    serverErrorRate: rate('serverErrorRate', patch.serverErrorRate ?? base?.serverErrorRate),
    resetRate: rate('resetRate', patch.resetRate ?? base?.resetRate),
    replicationLagInMs: nonNegative('replicationLagInMs', patch.replicationLagInMs, base?.replicationLagInMs ?? 0),
    ficPropagationInMs: nonNegative('ficPropagationInMs', patch.ficPropagationInMs, base?.ficPropagationInMs ?? 0),
    appReplicationLagInMs: nonNegative('appReplicationLagInMs', patch.appReplicationLagInMs, base?.appReplicationLagInMs ?? 0),
    armPageSize,
    seed: patch.seed ?? base?.seed ?? 1,
    clock: patch.clock ?? base?.clock ?? Date.now,
  };
}

/** What each service module of the fake gets. */
export interface FakeRuntime {
  readonly state: FakeState;
  /** What the caller may not do (the emulator's `/_emulator/permissions`). */
  readonly permissions: FakePermissions;
  readonly options: ResolvedOptions;
  readonly signer: JwtSigner;
  now(): number;
  newId(): string;
}

/**
 * A route of the fake. `lock` names a resource that only one request may write at a time: a
 * request arriving while another holds it is answered 409 by `conflict` (Graph FIC writes).
 */
export interface FakeRoute extends Route {
  readonly lock?: (ctx: RouteContext) => string | undefined;
  readonly conflict?: () => Response;
}
