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
      // Parsing and redacting the URL is for the log lines: none without a logger.
      const url = logger ? sanitizeUrl(typeof request === 'string' ? request : request.url) : '';
      for (let attempt = 0; ; attempt++) {
        const guard = attemptSignal(callerSignal, timeoutInMs);
        fetchOptions.signal = guard.signal ?? null;
        const started = performance.now();
        try {
          await next.execute(context);
        } catch (error) {
          guard.release();
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
        // The fetch adapter has read the whole body by now: the attempt is over, its timer goes.
        guard.release();
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

/**
 * The signal of one attempt: the caller's, plus a timer that aborts the attempt with a
 * `TimeoutError` (as `AbortSignal.timeout` would). Unlike `AbortSignal.timeout`/`AbortSignal.any`,
 * whose timer and listeners stay alive for the whole timeout after the request ended, `release()`
 * clears the timer and unhooks the caller's signal as soon as the attempt is over: one live timer
 * per request in flight, none per request done.
 */
export function attemptSignal(caller: AbortSignal | undefined, timeoutInMs: number): { signal: AbortSignal | undefined; release(): void } {
  if (timeoutInMs <= 0) return { signal: caller, release: () => undefined };
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(caller?.reason);
  const timer = setTimeout(() => controller.abort(new DOMException('The attempt timed out.', 'TimeoutError')), timeoutInMs);
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
