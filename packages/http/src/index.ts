export {
  type Service,
  type Problem,
  type SourceLocation,
  formatLocation,
  type ValidationError,
  type HttpErrorKind,
  type HttpError,
  type NetworkError,
  type InvalidResponseError,
  type AuthenticationError,
  type AbortedError,
  type TransportError,
  validationError,
  kindForStatus,
  httpError,
  isRetryable,
} from './errors';
export { closestName, type ClosestNameOptions } from './didYouMean';
export { built, deferred, isBuilt } from './deferred';
export { clip, redact, redactDeep, registerSecret, type RegisterSecretOptions, SECRET_FIELD_NAMES } from './redact';
export {
  type RetryOptions,
  type RetryDecision,
  type HeaderGetter,
  type AbortSignalLikeMinimal,
  DEFAULT_RETRY,
  resolveRetryOptions,
  isRetryableStatus,
  parseRetryAfter,
  backoffDelay,
  decideRetry,
  isRetryableNetworkError,
  isAbortError,
  sleep,
  abortError,
} from './retry';
export { type CloudName, type Endpoints, AZURE_DEVOPS_APP_ID, CLOUDS, resolveEndpoints, isLoopbackUrl } from './endpoints';
export {
  PersonalAccessTokenCredential,
  type DevOpsCredential,
  isPersonalAccessTokenCredential,
  registeringCredential,
  WIF_AUTHENTICATION_ERROR,
} from './credentials';
export { type LogLevel, type LogEntry, type Logger, emit, sanitizeUrl } from './logger';
export { type ReadError, readErrorBody } from './errorBodies';
export {
  type TransportOptions,
  type TransportAuth,
  type TransportConfig,
  type RequestSpec,
  type RawResponse,
  type Transport,
  type Sender,
  type SenderRequest,
  type SenderResponse,
  createTransport,
  SDK_USER_AGENT,
  transportFromSender,
  checkBaseUrl,
  encodeQuery,
  invalidResponse,
} from './transport';
export { type Page, type LimitExceededError, pages, collect } from './paging';
export { settled } from './results';
export type { OperationOptions } from './operationOptions';
export { fetchOverHttpClient } from './fetchAdapter';
export {
  type NodeHttpClient,
  type NodeHttpClientOptions,
  type NodeHttpRequest,
  type NodeHttpResponse,
  createNodeHttpClient,
  sharedNodeHttpClient,
  headerOf,
  timeoutReasonOf,
} from './nodeHttp';
export {
  type TokenCache,
  type TokenCacheOptions,
  type TokenCaches,
  type TokenRequestOptions,
  createTokenCache,
  createTokenCaches,
} from './tokenCache';
export { trustingHttpClient } from './trust';
export { builtin } from './builtins';
