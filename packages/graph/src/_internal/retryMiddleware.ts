/**
 * The Graph client's retry step, built on the retry rules of `@wif/http` so Graph, ARM and Azure
 * DevOps retry identically (docs/decisions/002-graph-retry-middleware.md): 408/429/5xx and
 * connection failures, `Retry-After` honoured, bounded, every sleep ends when the caller aborts.
 * It also applies the per-attempt timeout and writes one redacted log entry per attempt.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import {
  backoffDelay,
  decideRetry,
  emit,
  isAbortError,
  isRetryableNetworkError,
  type Logger,
  readErrorBody,
  type RetryOptions,
  sanitizeUrl,
  sleep,
} from '@wif/http';

export interface RetryMiddlewareOptions {
  readonly retry: Required<RetryOptions>;
  /** Per-attempt timeout; 0 disables it. */
  readonly timeoutInMs: number;
  readonly logger?: Logger | undefined;
}

export function retryMiddleware(options: RetryMiddlewareOptions): Middleware {
  const { retry, timeoutInMs, logger } = options;
  let next: Middleware | undefined;
  return {
    setNext(middleware: Middleware): void {
      next = middleware;
    },
    async execute(context: Context): Promise<void> {
      if (!next) throw new Error('retryMiddleware needs a next middleware.');
      const fetchOptions = (context.options ??= {});
      const callerSignal = fetchOptions.signal ?? undefined;
      const method = fetchOptions.method ?? 'GET';
      const request = context.request as string | Request;
      const url = sanitizeUrl(typeof request === 'string' ? request : request.url);
      for (let attempt = 0; ; attempt++) {
        fetchOptions.signal = attemptSignal(callerSignal, timeoutInMs) ?? null;
        const started = performance.now();
        try {
          await next.execute(context);
        } catch (error) {
          const failed = error instanceof Error ? error.name : 'error';
          emit(logger, {
            level: 'warn',
            service: 'graph',
            method,
            url,
            attempt,
            durationInMs: elapsed(started),
            message: `${method} ${url} → ${failed}`,
          });
          if (isAbortError(error) || callerSignal?.aborted) throw error;
          if (attempt < retry.maxRetries && isRetryableNetworkError(error)) {
            const delay = backoffDelay(attempt, retry);
            emit(logger, { level: 'warn', service: 'graph', attempt, message: `connection failed; retrying in ${delay} ms` });
            await sleep(delay, callerSignal);
            continue;
          }
          throw error;
        }
        const response = context.response;
        if (!response) return;
        const requestId = response.headers.get('request-id');
        emit(logger, {
          level: response.status >= 400 ? 'warn' : 'debug',
          service: 'graph',
          method,
          url,
          status: response.status,
          attempt,
          durationInMs: elapsed(started),
          ...(requestId ? { requestId } : {}),
          message: `${method} ${url} → ${response.status}`,
        });
        const errorBody = response.status >= 400 ? await response.clone().text() : undefined;
        const headers = (name: string): string | null => response.headers.get(name);
        const decision = decideRetry({
          status: response.status,
          headers,
          attempt,
          options: retry,
          permanent: readErrorBody('graph', errorBody, headers).permanent === true,
        });
        if (!decision.retry) return;
        await response.body?.cancel();
        emit(logger, {
          level: 'warn',
          service: 'graph',
          status: response.status,
          attempt,
          message: `${response.status}; retrying in ${decision.delayInMs} ms`,
        });
        await sleep(decision.delayInMs, callerSignal);
      }
    },
  };
}

function attemptSignal(caller: AbortSignal | undefined, timeoutInMs: number): AbortSignal | undefined {
  if (timeoutInMs <= 0) return caller;
  const timeout = AbortSignal.timeout(timeoutInMs);
  return caller ? AbortSignal.any([caller, timeout]) : timeout;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
