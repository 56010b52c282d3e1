/**
 * The transport: one `@azure/core-rest-pipeline` pipeline per service client, built from a short
 * ordered list of named policies (user agent → client request id → retry → auth → log), and one
 * `send` that turns every outcome into a `Result`. I/O is wrapped here, once.
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type HttpMethods,
  type Pipeline,
  type PipelinePolicy,
  type PipelineResponse,
  setClientRequestIdPolicy,
  userAgentPolicy,
} from '@azure/core-rest-pipeline';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type * as z from 'zod';
import { type PersonalAccessTokenCredential, registeringCredential, WIF_AUTHENTICATION_ERROR } from './credentials';
import { isLoopbackUrl } from './endpoints';
import { readErrorBody } from './errorBodies';
import { httpError, type InvalidResponseError, type Problem, type Service, type TransportError } from './errors';
import { emit, type Logger, sanitizeUrl } from './logger';
import { clip, redact } from './redact';
import {
  decideRetry,
  isAbortError,
  isRetryableNetworkError,
  resolveRetryOptions,
  type RetryOptions,
  parseRetryAfter,
  sleep,
  backoffDelay,
} from './retry';

/** Options every service client takes. */
export interface TransportOptions {
  /** Bounded backoff for 429, 5xx and connection failures. */
  readonly retry?: RetryOptions;
  /** Receives one redacted entry per attempt. */
  readonly logger?: Logger;
  /** Replaces the HTTP stack (tests, proxies). */
  readonly httpClient?: HttpClient;
  /** Prepended to the `User-Agent` header, e.g. `my-vending-pipeline/1.2`. */
  readonly userAgentPrefix?: string;
  /** Per-attempt timeout. Default 60 000 ms; 0 disables it. */
  readonly timeoutInMs?: number;
}

/** How requests authenticate. */
export type TransportAuth =
  | { readonly kind: 'bearer'; readonly credential: TokenCredential; readonly scope: string }
  | { readonly kind: 'pat'; readonly credential: PersonalAccessTokenCredential }
  | { readonly kind: 'none' };

export interface TransportConfig extends TransportOptions {
  readonly service: Service;
  /** Base URL; paths are appended to it. Absolute URLs (next links) must share its origin. */
  readonly baseUrl: string;
  readonly auth: TransportAuth;
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

function retryPolicy(service: Service, options: Required<RetryOptions>, logger: Logger | undefined): PipelinePolicy {
  return {
    name: 'wifRetryPolicy',
    async sendRequest(request, next) {
      for (let attempt = 0; ; attempt++) {
        let response: PipelineResponse;
        try {
          response = await next(request);
        } catch (error) {
          // The caller's signal is `request.abortSignal`: if it did not fire, an AbortError is the
          // per-attempt timeout (core-rest-pipeline aborts the attempt itself), which is retryable.
          if (request.abortSignal?.aborted) throw error;
          const timedOut = isAbortError(error);
          if (attempt < options.maxRetries && (timedOut || isRetryableNetworkError(error))) {
            const delay = backoffDelay(attempt, options);
            emit(logger, {
              level: 'warn',
              service,
              message: `${timedOut ? 'attempt timed out' : 'connection failed'}; retrying in ${delay} ms`,
              attempt,
            });
            await sleep(delay, request.abortSignal);
            continue;
          }
          throw timedOut ? timeoutError() : error;
        }
        // Only an error body can say "permanent": a success body is not parsed here (once is enough).
        const permanent =
          response.status >= 400 &&
          readErrorBody(service, response.bodyAsText ?? undefined, (n) => response.headers.get(n)).permanent === true;
        const decision = decideRetry({
          status: response.status,
          headers: (n) => response.headers.get(n),
          attempt,
          options,
          permanent,
        });
        if (!decision.retry) return response;
        emit(logger, {
          level: 'warn',
          service,
          status: response.status,
          message: `${response.status}; retrying in ${decision.delayInMs} ms`,
          attempt,
        });
        await sleep(decision.delayInMs, request.abortSignal);
      }
    },
  };
}

function patPolicy(credential: PersonalAccessTokenCredential): PipelinePolicy {
  return {
    name: 'wifPatAuthenticationPolicy',
    sendRequest(request, next) {
      if (!request.url.startsWith('https:') && !request.allowInsecureConnection) {
        throw new Error('Refusing to send a PAT over plain HTTP.');
      }
      request.headers.set('Authorization', credential.authorizationHeader());
      return next(request);
    },
  };
}

/**
 * core-rest-pipeline's bearer policy refuses plain HTTP even with `allowInsecureConnection`. For the
 * local emulator (loopback only: `checkBaseUrl` refuses plain HTTP anywhere else) this small policy
 * gets a token per request from the (registering) credential instead.
 */
function loopbackBearerPolicy(credential: TokenCredential, scope: string): PipelinePolicy {
  const registering = registeringCredential(credential);
  return {
    name: 'wifLoopbackBearerPolicy',
    async sendRequest(request, next) {
      const token = await registering.getToken(scope, request.abortSignal ? { abortSignal: request.abortSignal } : {});
      request.headers.set('Authorization', `Bearer ${token?.token ?? ''}`);
      return next(request);
    },
  };
}

function logPolicy(service: Service, logger: Logger | undefined): PipelinePolicy {
  return {
    name: 'wifLogPolicy',
    async sendRequest(request, next) {
      const started = performance.now();
      // Parsing and redacting the URL is for the log line: none without a logger.
      const url = logger ? sanitizeUrl(request.url) : '';
      try {
        const response = await next(request);
        emit(logger, {
          level: response.status >= 400 ? 'warn' : 'debug',
          service,
          method: request.method,
          url,
          status: response.status,
          durationInMs: Math.round(performance.now() - started),
          requestId: request.requestId,
          message: `${request.method} ${url} → ${response.status}`,
        });
        return response;
      } catch (error) {
        emit(logger, {
          level: 'warn',
          service,
          method: request.method,
          url,
          durationInMs: Math.round(performance.now() - started),
          requestId: request.requestId,
          message: `${request.method} ${url} → ${error instanceof Error ? error.name : 'error'}`,
        });
        throw error;
      }
    },
  };
}

function buildPipeline(config: TransportConfig, insecure: boolean): Pipeline {
  const pipeline = createEmptyPipeline();
  const retry = resolveRetryOptions(config.retry);
  pipeline.addPolicy(userAgentPolicy({ userAgentPrefix: [config.userAgentPrefix, SDK_USER_AGENT].filter(Boolean).join(' ') }));
  pipeline.addPolicy(setClientRequestIdPolicy());
  pipeline.addPolicy(retryPolicy(config.service, retry, config.logger));
  if (config.auth.kind === 'bearer' && insecure) {
    pipeline.addPolicy(loopbackBearerPolicy(config.auth.credential, config.auth.scope));
  } else if (config.auth.kind === 'bearer') {
    pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({
        credential: registeringCredential(config.auth.credential),
        scopes: config.auth.scope,
      }),
    );
  } else if (config.auth.kind === 'pat') {
    pipeline.addPolicy(patPolicy(config.auth.credential));
  }
  pipeline.addPolicy(logPolicy(config.service, config.logger));
  return pipeline;
}

/** Encodes a query string: keys verbatim, values with `encodeURIComponent` (which keeps `'`). */
export function encodeQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
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
    return ResultAsync.fromPromise(sender(request), (error) => mapThrown(service, spec.operation, error, spec.abortSignal)).andThen(
      (response) => {
        if (response.status >= 200 && response.status < 300) {
          return okAsync<RawResponse, TransportError>(response);
        }
        const read = readErrorBody(service, response.bodyText, response.header);
        const retryAfter = response.status === 429 || response.status >= 500 ? parseRetryAfter(response.header) : undefined;
        return errAsync(
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
    send(spec).andThen((res) => {
      let json: unknown;
      try {
        json = res.bodyText ? JSON.parse(res.bodyText.replace(/^\uFEFF/, '')) : undefined;
      } catch {
        return errAsync(invalidResponse(service, spec.operation, res.status, [{ path: '', message: 'body is not JSON' }]));
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 10).map((i) => ({
          path: i.path.map(String).join('.'),
          message: i.message,
        }));
        return errAsync(invalidResponse(service, spec.operation, res.status, issues));
      }
      return okAsync({ status: res.status, header: res.header, body: parsed.data });
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
 * Creates the core-rest-pipeline transport for one service (ARM, Azure DevOps, the token endpoint).
 * Throws only for a programmer error: a base URL that is not an absolute http(s) URL, or plain HTTP
 * to anything but this machine.
 */
export function createTransport(config: TransportConfig): Transport {
  const { insecure } = checkBaseUrl(config.service, config.baseUrl);
  const pipeline = buildPipeline(config, insecure);
  const httpClient = config.httpClient ?? createDefaultHttpClient();
  const timeout = config.timeoutInMs ?? 60_000;
  const sender: Sender = async (req) => {
    const request = createPipelineRequest({
      url: req.url,
      method: req.method,
      headers: createHttpHeaders(req.headers),
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(req.abortSignal ? { abortSignal: req.abortSignal } : {}),
      timeout,
      allowInsecureConnection: insecure,
    });
    const response = await pipeline.sendRequest(httpClient, request);
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      bodyText: response.bodyAsText ?? undefined,
    };
  };
  return transportFromSender(config.service, config.baseUrl, sender);
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

/** A per-attempt timeout, named as fetch names it, so that it maps to `Network` (retryable) and not `Aborted`. */
function timeoutError(): Error {
  const e = new Error('The request timed out.');
  e.name = 'TimeoutError';
  return e;
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
