/**
 * A bounded pool for the audit's Graph/ARM reads, separate from the Azure DevOps walk, whose width
 * adapts to throttling the way TCP adapts to congestion (AIMD): a read still throttled after the
 * transport's own retries halves the width (multiplicative decrease, never below 1) and is tried
 * again after the service's `Retry-After`; every `width` reads that succeed in a row widen it by one
 * (additive increase), up to the configured maximum.
 */
import type { TransportError } from '@wif/http';
import { type Result } from 'neverthrow';

export interface AdaptivePoolOptions {
  /** The widest the pool gets (and its starting width). */
  readonly max: number;
  /** How many times one read is tried again after a `Throttled` answer. Default 3. */
  readonly throttleRetries?: number;
  /** The wait before such a retry when the service gave no `Retry-After`. Default 1 000 ms. */
  readonly throttleDelayInMs?: number;
  /** Waits are cut short by it; the read then returns its last (throttled) result. */
  readonly abortSignal?: AbortSignal | undefined;
}

export class AdaptivePool {
  readonly #max: number;
  readonly #throttleRetries: number;
  readonly #throttleDelayInMs: number;
  readonly #abortSignal: AbortSignal | undefined;
  #width: number;
  #active = 0;
  #successes = 0;
  #peak = 0;
  #narrowed = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: AdaptivePoolOptions) {
    this.#max = Math.max(1, Math.floor(options.max));
    this.#width = this.#max;
    this.#throttleRetries = options.throttleRetries ?? 3;
    this.#throttleDelayInMs = options.throttleDelayInMs ?? 1_000;
    this.#abortSignal = options.abortSignal;
  }

  /** How many reads may run at once now. */
  get width(): number {
    return this.#width;
  }

  /** The most reads that ran at once. */
  get peak(): number {
    return this.#peak;
  }

  /** How many times the pool narrowed. */
  get narrowed(): number {
    return this.#narrowed;
  }

  /** A throttled answer seen outside {@link run} (e.g. one sub-request of a batch): narrows as a throttled read does. */
  narrow(): void {
    this.#throttled();
  }

  /** Runs `read` when a slot is free; narrows and (unless `retryThrottled` is false) retries on `Throttled` as described above. */
  async run<T>(
    read: () => PromiseLike<Result<T, TransportError>>,
    options: { readonly retryThrottled?: boolean } = {},
  ): Promise<Result<T, TransportError>> {
    const retries = options.retryThrottled === false ? 0 : this.#throttleRetries;
    for (let attempt = 0; ; attempt++) {
      await this.#acquire();
      let result: Result<T, TransportError>;
      try {
        result = await read();
      } finally {
        this.#release();
      }
      if (result.isOk() || result.error.kind !== 'Throttled') {
        if (result.isOk()) this.#succeeded();
        return result;
      }
      this.#throttled();
      if (attempt >= retries || this.#abortSignal?.aborted) return result;
      await this.#sleep(result.error.retryAfterInMs ?? this.#throttleDelayInMs);
    }
  }

  #throttled(): void {
    this.#narrowed += 1;
    this.#successes = 0;
    this.#width = Math.max(1, Math.floor(this.#width / 2));
  }

  #succeeded(): void {
    if (this.#width >= this.#max) return;
    this.#successes += 1;
    if (this.#successes >= this.#width) {
      this.#successes = 0;
      this.#width += 1;
      this.#wake();
    }
  }

  async #acquire(): Promise<void> {
    while (this.#active >= this.#width) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
    this.#peak = Math.max(this.#peak, this.#active);
  }

  #release(): void {
    this.#active -= 1;
    this.#wake();
  }

  #wake(): void {
    // Wake as many waiters as there are free slots; each re-checks the width itself.
    let free = this.#width - this.#active;
    while (free-- > 0 && this.#waiting.length > 0) this.#waiting.shift()?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#abortSignal;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
