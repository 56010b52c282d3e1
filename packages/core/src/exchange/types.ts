/** The shapes of `verifyByExchange`: where the OIDC token comes from, the report, the failure. */
import type { EntraTokenClient } from '@wif/graph';
import type { Logger, TransportOptions } from '@wif/http';
import type { ReplicationRetryOptions } from '../_internal/replication';
import type { Diagnosis } from '../diagnose/types';
import type { WifClients } from '../workflows/clients';

/** Where the OIDC token (the client assertion) for the connection comes from. */
export type OidcSource =
  /**
   * Inside a real pipeline job, as `AzurePipelinesCredential` does:
   * `POST {requestUri}?api-version=7.1-preview.1&serviceConnectionId={id}` with
   * `Authorization: Bearer {System.AccessToken}`; `requestUri` is `System.OidcRequestUri` (env
   * `SYSTEM_OIDCREQUESTURI`). The job's access token is registered for redaction.
   */
  | { readonly kind: 'pipeline'; readonly requestUri: string; readonly accessToken: string }
  /** Through the Azure DevOps client (the emulator, or any caller that knows a plan and job): `createOidcToken`. */
  | { readonly kind: 'devops'; readonly projectId: string; readonly hubName?: string; readonly planId: string; readonly jobId: string };

/** The clients `verifyByExchange` needs: the operator's three, and the Entra token endpoint. */
export interface ExchangeClients extends WifClients {
  /** From `createEntraTokenClient()` (re-exported by `@wif/core` from `@wif/graph`). */
  readonly entra: EntraTokenClient;
}

export interface VerifyByExchangeInput {
  /** Project name or id the connection is in. */
  readonly project: string;
  readonly connectionId: string;
  /**
   * The ARM scope to call with the exchanged token. Default: the scope of the first role assignment
   * of the connection's service principal, else the subscription (or management group) the
   * connection targets.
   */
  readonly scope?: string;
}

/** Bounded back-off while a new federated credential propagates (AADSTS70021). */
export type PropagationRetryOptions = ReplicationRetryOptions;

export interface VerifyByExchangeOptions {
  readonly oidc: OidcSource;
  /** ARM base URL for the call with the exchanged token. Default: the cloud the connection targets. */
  readonly armEndpoint?: string;
  /**
   * Retries of the exchange while Entra answers AADSTS70021 for a credential that matches exactly.
   * Default 8 attempts, waits from 5 s doubling up to 60 s: about four minutes in all.
   */
  readonly propagation?: PropagationRetryOptions;
  /** Receives one redacted line per stage and per retry (and the HTTP lines of the clients made here). */
  readonly logger?: Logger;
  /** The HTTP stack of the ARM client made here for the exchanged token (e.g. `trustingHttpClient(ca)`). */
  readonly httpClient?: TransportOptions['httpClient'];
  readonly abortSignal?: AbortSignal;
}

/** The three stages of the proof. */
export type ExchangeStage = 'oidc' | 'exchange' | 'arm';

/** A stage of the proof was refused by the service; `diagnosis` says why and what to do. */
export interface ExchangeFailedError {
  readonly kind: 'ExchangeFailed';
  readonly stage: ExchangeStage;
  /** The service's code: the OAuth `error` at the token endpoint, ARM's `error.code`, Azure DevOps' `typeKey`. */
  readonly code?: string;
  /** AADSTS numbers, when the token endpoint answered. */
  readonly errorCodes?: readonly number[];
  readonly status?: number;
  readonly message: string;
  readonly diagnosis?: Diagnosis;
}

/** How long each part of the proof took. */
export interface ExchangeTimings {
  readonly readConnectionInMs: number;
  readonly resolveScopeInMs: number;
  /** All OIDC token requests together (one per exchange attempt). */
  readonly oidcInMs: number;
  /** All exchange attempts together. */
  readonly exchangeInMs: number;
  readonly armInMs: number;
  readonly totalInMs: number;
}

/** A proven trust chain: the connection's OIDC token was exchanged and ARM accepted the result. No token in it. */
export interface ExchangeReport {
  readonly connection: { readonly id: string; readonly name: string; readonly project: string };
  readonly appId: string;
  readonly tenantId: string;
  readonly issuer: string;
  readonly subject: string;
  /** The scope ARM was called at. */
  readonly scope: string;
  /** Where the scope came from: the input, the service principal's first role assignment, or the connection's target. */
  readonly scopeSource: 'input' | 'roleAssignment' | 'connection';
  readonly timings: ExchangeTimings;
  /** Exchange attempts, each with a fresh OIDC token (more than 1 after AADSTS70021). */
  readonly exchangeAttempts: number;
  /** From the first AADSTS70021 to the successful exchange; 0 when the first attempt succeeded. */
  readonly propagationWaitInMs: number;
}
