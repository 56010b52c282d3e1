// Public surface of this area; the package index re-exports everything here.
export { verifyByExchange } from './verifyByExchange';
export type {
  OidcSource,
  ExchangeClients,
  VerifyByExchangeInput,
  VerifyByExchangeOptions,
  PropagationRetryOptions,
  ExchangeStage,
  ExchangeFailedError,
  ExchangeTimings,
  ExchangeReport,
} from './types';
// Re-exported so that a caller of verifyByExchange (the CLI) can build ExchangeClients from @wif/core alone.
export { createEntraTokenClient, type EntraTokenClient, type EntraTokenClientOptions } from '@wif/graph';
