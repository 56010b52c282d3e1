/**
 * The transport: one `send` per service client that turns every outcome into a `Result`, over wif's
 * own keep-alive Node HTTP client (`nodeHttp.ts`; decision 022). Per request: `User-Agent` and
 * `x-ms-client-request-id`; per attempt: authorization (a cached bearer token, or a PAT), the
 * attempt with its timeout, one log entry; then the shared retry rules. I/O is wrapped here, once.
 */
import { arch, release, type } from 'node:os';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { HttpClient, HttpMethods } from '@azure/core-rest-pipeline';
import { err, errAsync, ok, type Result, ResultAsync } from 'neverthrow';
import type * as z from 'zod';
import { type PersonalAccessTokenCredential, WIF_AUTHENTICATION_ERROR } from './credentials';
import { isLoopbackUrl } from './endpoints';
import { readErrorBody } from './errorBodies';
import { httpError, type InvalidResponseError, type Problem, type Service, type TransportError } from './errors';
import { emit, type Logger, sanitizeUrl } from './logger';
import { sharedNodeHttpClient, timeoutError } from './nodeHttp';
import { type HttpAnswer, type HttpSend, sendOverFetch, sendOverHttpClient, sendOverNodeClient } from './pipelineAdapter';
import { clip, redact } from './redact';
import { newRequestId } from './requestId';
import {
  decideRetry,
  isAbortError,
  isRetryableNetworkError,
  isRetryableStatus,
  resolveRetryOptions,
  type RetryOptions,
  parseRetryAfter,
  sleep,
  backoffDelay,
} from './retry';
import { claimsFromChallenge, createTokenCache, type TokenCaches } from './tokenCache';

/** Options every service client takes. */
export interface TransportOptions {
  /** Bounded backoff for 429, 5xx and connection failures. */
  readonly retry?: RetryOptions;
  /** Receives one redacted entry per attempt. */
  readonly logger?: Logger;
  /**
   * Replaces the HTTP client (tests, a custom TLS or proxy set-up): any `@azure/core-rest-pipeline`
   * `HttpClient`, e.g. `trustingHttpClient(ca)`. Default: wif's keep-alive Node client. A client that
   * is not one of wif's own is called through core-rest-pipeline, which is then loaded.
   */
  readonly httpClient?: HttpClient;
  /** Prepended to the `User-Agent` header, e.g. `my-vending-pipeline/1.2`. */
  readonly userAgentPrefix?: string;
  /** Per-attempt timeout. Default 60 000 ms; 0 disables it. */
  readonly timeoutInMs?: number;
  /**
   * Token caches shared with other transports ({@link createTokenCaches}): a credential is then
   * asked once per scope for all of them. Default: a cache of this transport's own.
   */
  readonly tokens?: TokenCaches;
}

/** How requests authenticate. */
export type TransportAuth =
  | {
      readonly kind: 'bearer';
      readonly credential: TokenCredential;
      readonly scope: string;
      /**
       * Ask for CAE-capable tokens and answer a claims challenge once per attempt, as the Azure SDKs
       * do for ARM and Azure DevOps. Default `true`; the Graph client sends `false` (as the Graph SDK does).
       */
      readonly enableCae?: boolean;
    }
  | { readonly kind: 'pat'; readonly credential: PersonalAccessTokenCredential }
  | { readonly kind: 'none' };

export interface TransportConfig extends TransportOptions {
  readonly service: Service;
  /** Base URL; paths are appended to it. Absolute URLs (next links) must share its origin. */
  readonly baseUrl: string;
  readonly auth: TransportAuth;
  /** The header carrying the client request id. Default `x-ms-client-request-id`; Graph reads `client-request-id`. */
  readonly requestIdHeader?: string;
  /**
   * Sends every attempt through this `fetch` instead of an HTTP client (the Graph client's `fetch`
   * option, for tests). The per-attempt timeout still applies; redirects are not followed.
   */
  readonly fetch?: typeof fetch;
}

type QueryValue = string | number | boolean | undefined;

/** One REST call. */
export interface RequestSpec {
  readonly method: HttpMethods;
  /** A path relative to the base URL (starting with `/`), or an absolute URL on the same origin. */
  readonly path: string;
  /** Query parameters; keys are sent verbatim (e.g. `$filter`), values URI-encoded (quotes kept). */
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (serialised here) or a pre-encoded string body (then set `contentType`). */
  readonly body?: unknown;
  readonly contentType?: string;
  /** A short, id-free name for logs and errors, e.g. `PUT roleAssignments`. */
  readonly operation: string;
  readonly abortSignal?: AbortSignal | undefined;
}

/** A successful (2xx) answer. */
export interface RawResponse {
  readonly status: number;
  readonly header: (name: string) => string | undefined;
  readonly bodyText: string | undefined;
}

/** The transport of one service client. */
export interface Transport {
  readonly service: Service;
  readonly baseUrl: string;
  /** Sends one request; 2xx → Ok, anything else → Err with the mapped error. */
  send(spec: RequestSpec): ResultAsync<RawResponse, TransportError>;
  /** Sends and parses the JSON body with `schema`; a mismatch is `InvalidResponse`. */
  sendJson<S extends z.ZodType>(
    spec: RequestSpec,
    schema: S,
  ): ResultAsync<{ status: number; header: RawResponse['header']; body: z.output<S> }, TransportError>;
}

/** The `User-Agent` product token every wif client sends. */
export const SDK_USER_AGENT = 'wif-sdk/0.1.0';

/** `User-Agent`: the caller's prefix, wif's product token, the platform (as the Azure SDKs send it). */
function userAgentOf(prefix: string | undefined): string {
  return [prefix, SDK_USER_AGENT, `Node/${process.version}`, `OS/(${arch()}-${type()}-${release()})`].filter(Boolean).join(' ');
}

/** Sets the `Authorization` header of one attempt; `claims` asks for a new token after a challenge. */
type Authorize = (headers: Record<string, string>, signal: AbortSignal | undefined, claims?: string) => Promise<void> | undefined;

function authorizer(auth: TransportAuth, shared: TokenCaches | undefined): Authorize | undefined {
  if (auth.kind === 'none') return undefined;
  if (auth.kind === 'pat') {
    // Only over https, or http to this machine: checkBaseUrl refuses anything else, and
    // transportFromSender keeps every request on the base URL's origin.
    const value = auth.credential.authorizationHeader();
    return (headers) => {
      headers['Authorization'] = value;
      return undefined;
    };
  }
  // The Azure SDKs ask ARM and Azure DevOps for CAE-capable tokens and answer claims challenges.
  const cacheOptions = { enableCae: auth.enableCae ?? true };
  const tokens = shared
    ? shared.cacheFor(auth.credential, auth.scope, cacheOptions)
    : createTokenCache(auth.credential, auth.scope, cacheOptions);
  // The header of the token last sent, built once per token rather than once per attempt.
  let last: { token: AccessToken; header: string } | undefined;
  const authorization = (token: AccessToken): string =>
    last?.token === token ? last.header : (last = { token, header: `Bearer ${token.token}` }).header;
  return (headers, signal, claims) => {
    // A cached token is set at once: no promise per attempt (docs/decisions/029-cheap-result-chains.md).
    const cached = claims ? undefined : tokens.current();
    if (cached) {
      headers['Authorization'] = authorization(cached);
      return undefined;
    }
    return tokens.getToken({ abortSignal: signal, claims }).then((token) => {
      headers['Authorization'] = authorization(token);
    });
  };
}

/**
 * The sender of {@link createTransport}: headers, then per attempt authorization, the attempt, its
 * log entry, a claims challenge answered once, and the shared retry rules.
 */
function retryingSender(config: TransportConfig, httpSend: HttpSend): Sender {
  const { service, logger } = config;
  const retry = resolveRetryOptions(config.retry);
  const timeoutInMs = config.timeoutInMs ?? 60_000;
  const userAgent = userAgentOf(config.userAgentPrefix);
  const authorize = authorizer(config.auth, config.tokens);
  const requestIdHeader = config.requestIdHeader ?? 'x-ms-client-request-id';

  type Attempt = (req: SenderRequest & { readonly timeoutInMs: number }, requestId: string) => Promise<HttpAnswer>;
  // Without a logger an attempt is the send itself: no log line, no URL to parse and redact for it.
  const attempt: Attempt = !logger
    ? (req) => httpSend(req)
    : async (req, requestId) => {
        const started = performance.now();
        const url = sanitizeUrl(req.url);
        try {
          const answer = await httpSend(req);
          emit(logger, {
            level: answer.status >= 400 ? 'warn' : 'debug',
            service,
            method: req.method,
            url,
            status: answer.status,
            durationInMs: Math.round(performance.now() - started),
            requestId,
            message: `${req.method} ${url} → ${answer.status}`,
          });
          return answer;
        } catch (error) {
          emit(logger, {
            level: 'warn',
            service,
            method: req.method,
            url,
            durationInMs: Math.round(performance.now() - started),
            requestId,
            message: `${req.method} ${url} → ${error instanceof Error ? error.name : 'error'}`,
          });
          throw error;
        }
      };

  return async (req) => {
    // transportFromSender made this object for this request: filled in place, not copied.
    const headers = req.headers;
    headers['User-Agent'] = userAgent;
    const requestId = (headers[requestIdHeader] ??= newRequestId());
    const signal = req.abortSignal;
    // One request object for every attempt (its headers object is the one authorization fills in).
    const outgoing = { ...req, timeoutInMs };
    for (let n = 0; ; n++) {
      let answer: HttpAnswer;
      try {
        const authorized = authorize?.(headers, signal);
        if (authorized) await authorized;
        answer = await attempt(outgoing, requestId);
        const claims = authorize && answer.status === 401 ? claimsFromChallenge(answer.header('www-authenticate')) : undefined;
        if (claims) {
          await authorize?.(headers, signal, claims);
          answer = await attempt(outgoing, requestId);
        }
      } catch (error) {
        // Not the caller's signal: an AbortError is the per-attempt timeout of a foreign HttpClient
        // (core-rest-pipeline's aborts the attempt itself); wif's client says TimeoutError.
        if (signal?.aborted) throw error;
        const timedOut = isAbortError(error) || (error as { name?: unknown })?.name === 'TimeoutError';
        if (n < retry.maxRetries && (timedOut || isRetryableNetworkError(error))) {
          const delay = backoffDelay(n, retry);
          emit(logger, {
            level: 'warn',
            service,
            message: `${timedOut ? 'attempt timed out' : 'connection failed'}; retrying in ${delay} ms`,
            attempt: n,
          });
          await sleep(delay, signal);
          continue;
        }
        throw timedOut ? timeoutError() : error;
      }
      // Only the body of an answer decideRetry would retry can say "permanent": a success body, or a
      // 404 (never retried), is not parsed here; transportFromSender reads an error body once more.
      const permanent = isRetryableStatus(answer.status) && readErrorBody(service, answer.bodyText, answer.header).permanent === true;
      const decision = decideRetry({ status: answer.status, headers: answer.header, attempt: n, options: retry, permanent });
      if (!decision.retry) {
        return answer;
      }
      emit(logger, {
        level: 'warn',
        service,
        status: answer.status,
        message: `${answer.status}; retrying in ${decision.delayInMs} ms`,
        attempt: n,
      });
      await sleep(decision.delayInMs, signal);
    }
  };
}

/** Encodes a query string: keys verbatim, values with `encodeURIComponent` (which keeps `'`). */
export function encodeQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  let out = '';
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value !== undefined) out += `${out ? '&' : '?'}${key}=${encodeURIComponent(String(value))}`;
  }
  return out;
}

/** What a low-level sender returns: any status, never thrown for an HTTP error. */
export interface SenderResponse {
  readonly status: number;
  readonly header: (name: string) => string | undefined;
  readonly bodyText: string | undefined;
}

/** A low-level request, already resolved to an absolute URL. */
export interface SenderRequest {
  readonly url: string;
  readonly method: HttpMethods;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly abortSignal?: AbortSignal | undefined;
}

/** Sends one request over some HTTP stack; throws only for no answer (network, abort, credential). */
export type Sender = (request: SenderRequest) => Promise<SenderResponse>;

/**
 * Builds a {@link Transport} over any {@link Sender}: URL resolution, same-origin next links, JSON
 * bodies, error-body mapping and schema parsing are shared by every service, whichever HTTP stack
 * it uses (core-rest-pipeline for ARM and Azure DevOps, the Graph client for Graph).
 */
export function transportFromSender(service: Service, baseUrlInput: string, sender: Sender): Transport {
  const base = new URL(baseUrlInput);
  const baseUrl = baseUrlInput.replace(/\/+$/, '');

  const send = (spec: RequestSpec): ResultAsync<RawResponse, TransportError> => {
    let url: string;
    if (/^https?:\/\//i.test(spec.path)) {
      // Next links are absolute: follow them only on our own origin, so a token never goes elsewhere.
      if (new URL(spec.path).origin !== base.origin) {
        return errAsync(
          invalidResponse(service, spec.operation, 0, [{ path: 'nextLink', message: 'points to another host; not followed' }]),
        );
      }
      url = spec.path + (spec.query ? encodeQuery(spec.query).replace(/^\?/, spec.path.includes('?') ? '&' : '?') : '');
    } else {
      url = `${baseUrl}${spec.path.startsWith('/') ? '' : '/'}${spec.path}${encodeQuery(spec.query)}`;
    }
    const headers: Record<string, string> = { Accept: 'application/json', ...spec.headers };
    let body: string | undefined;
    if (spec.body !== undefined) {
      if (typeof spec.body === 'string') {
        body = spec.body;
        headers['Content-Type'] = spec.contentType ?? 'text/plain';
      } else {
        body = JSON.stringify(spec.body);
        headers['Content-Type'] = spec.contentType ?? 'application/json';
      }
    }
    const request: SenderRequest = {
      url,
      method: spec.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      abortSignal: spec.abortSignal,
    };
    // The callbacks return plain Results: neverthrow adopts them without another promise.
    return ResultAsync.fromPromise(sender(request), (error) => mapThrown(service, spec.operation, error, spec.abortSignal)).andThen(
      (response): Result<RawResponse, TransportError> => {
        if (response.status >= 200 && response.status < 300) {
          return ok(response);
        }
        const read = readErrorBody(service, response.bodyText, response.header);
        const retryAfter = response.status === 429 || response.status >= 500 ? parseRetryAfter(response.header) : undefined;
        return err(
          httpError({
            service,
            operation: spec.operation,
            status: response.status,
            code: read.code,
            errorCodes: read.errorCodes,
            requestId: read.requestId,
            serviceMessage: read.message,
            retryAfterInMs: retryAfter,
            ...(read.permanent ? { retryable: false } : {}),
          }),
        );
      },
    );
  };

  const sendJson: Transport['sendJson'] = (spec, schema) =>
    send(spec).andThen((res): Result<{ status: number; header: RawResponse['header']; body: z.output<typeof schema> }, TransportError> => {
      let json: unknown;
      try {
        const text = res.bodyText;
        // A byte order mark (some Azure DevOps answers) is not JSON: skipped without copying the body otherwise.
        json = text ? JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) : undefined;
      } catch {
        return err(invalidResponse(service, spec.operation, res.status, [{ path: '', message: 'body is not JSON' }]));
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 10).map((i) => ({
          path: i.path.map(String).join('.'),
          message: i.message,
        }));
        return err(invalidResponse(service, spec.operation, res.status, issues));
      }
      return ok({ status: res.status, header: res.header, body: parsed.data });
    });

  return { service, baseUrl, send, sendJson };
}

/** Checks a base URL; throws `TypeError` (programmer error) for anything but https, or http to this machine. */
export function checkBaseUrl(service: Service, baseUrl: string): { insecure: boolean } {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new TypeError(`${service}: base URL is not an absolute URL.`);
  }
  const insecure = base.protocol === 'http:';
  if (base.protocol !== 'https:' && !insecure) throw new TypeError(`${service}: base URL must be http(s).`);
  if (insecure && !isLoopbackUrl(baseUrl)) {
    throw new TypeError(`${service}: plain HTTP is only allowed to 127.0.0.1/localhost (the emulator).`);
  }
  return { insecure };
}

/**
 * Creates the transport for one service (ARM, Azure DevOps, the token endpoint), over the process's
 * shared keep-alive Node HTTP client (one connection pool per host for every transport; decision
 * 038) unless `httpClient` is given. Throws only for a programmer error: a
 * base URL that is not an absolute http(s) URL, or plain HTTP to anything but this machine.
 */
export function createTransport(config: TransportConfig): Transport {
  const { insecure } = checkBaseUrl(config.service, config.baseUrl);
  const httpSend = config.fetch
    ? sendOverFetch(config.fetch)
    : config.httpClient
      ? sendOverHttpClient(config.httpClient, insecure)
      : sendOverNodeClient(sharedNodeHttpClient());
  return transportFromSender(config.service, config.baseUrl, retryingSender(config, httpSend));
}

/** Builds an `InvalidResponse` error. */
export function invalidResponse(service: Service, operation: string, status: number, issues: readonly Problem[]): InvalidResponseError {
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return {
    kind: 'InvalidResponse',
    service,
    operation,
    status,
    issues: issues.map((i) => ({ path: i.path, message: redact(i.message) })),
    message: redact(
      `${service} ${operation} answered ${status} with an unexpected body (${summary}). This is a wif bug or an API change; please report it.`,
    ),
  };
}

/** Node's codes for a certificate that does not verify (https://nodejs.org/api/tls.html#x509-certificate-error-codes). */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function mapThrown(service: Service, operation: string, error: unknown, signal: AbortSignal | undefined): TransportError {
  if (signal?.aborted) {
    return { kind: 'Aborted', message: `${service} ${operation} was aborted.` };
  }
  const e = error as { name?: string; code?: string; message?: string };
  if (isAbortError(error) || e?.name === 'TimeoutError') {
    // Not the caller's signal: the per-attempt timeout fired (and every retry timed out too).
    return {
      kind: 'Network',
      service,
      operation,
      code: 'Timeout',
      retryable: true,
      message: `${service} ${operation} timed out on every attempt. Check connectivity, or raise timeoutInMs.`,
    };
  }
  if (e?.name === WIF_AUTHENTICATION_ERROR) {
    return {
      kind: 'Authentication',
      service,
      message: redact(
        `Could not get a token for ${service}: ${e?.message ?? 'unknown error'} Sign in (az login), or check the environment credential, workload identity or managed identity.`,
      ),
    };
  }
  if (e?.code && UNTRUSTED_CERTIFICATE_CODES.has(e.code)) {
    // Not transient: the same certificate fails the same way on every attempt.
    return {
      kind: 'Network',
      service,
      operation,
      code: e.code,
      retryable: false,
      message: `${service} ${operation}: the server's TLS certificate is not trusted (${e.code}). For \`wif emulator --tls\`, set WIF_EMULATOR_CA (or NODE_EXTRA_CA_CERTS) to its CA file; otherwise check the proxy and the system's CA store.`,
    };
  }
  return {
    kind: 'Network',
    service,
    operation,
    ...(e?.code ? { code: clip(redact(e.code), 120) } : {}),
    retryable: true,
    message: redact(`${service} ${operation} got no answer (${e?.code ?? e?.name ?? 'network error'}). Check connectivity and retry.`),
  };
}
