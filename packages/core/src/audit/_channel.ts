/**
 * A bounded hand-over between producers (the audit's workers) and one consumer (the caller's
 * `for await`): a producer waits while `highWaterMark` items are buffered, so a slow consumer slows
 * the walk down instead of growing memory.
 */
export class Channel<T> {
  readonly #buffer: T[] = [];
  readonly #highWaterMark: number;
  #producers: Array<() => void> = [];
  #consumer: (() => void) | undefined;
  #ended = false;
  #cancelled = false;

  constructor(highWaterMark: number) {
    this.#highWaterMark = highWaterMark;
  }

  /** Whether the consumer has gone: producers should stop. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Hands `item` over; waits while the buffer is full. `false` once the consumer has gone. */
  async push(item: T): Promise<boolean> {
    if (this.#cancelled) return false;
    this.#buffer.push(item);
    this.#wakeConsumer();
    while (this.#buffer.length > this.#highWaterMark && !this.#cancelled) {
      await new Promise<void>((resolve) => this.#producers.push(resolve));
    }
    return !this.#cancelled;
  }

  /** No more items will come. */
  end(): void {
    this.#ended = true;
    this.#wakeConsumer();
  }

  /** The consumer has gone: drop what is buffered and release every waiting producer. */
  cancel(): void {
    this.#cancelled = true;
    this.#buffer.length = 0;
    this.#wakeProducers();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const item = this.#buffer.shift();
      if (item !== undefined) {
        this.#wakeProducers();
        yield item;
        continue;
      }
      if (this.#ended || this.#cancelled) return;
      await new Promise<void>((resolve) => {
        this.#consumer = resolve;
      });
    }
  }

  #wakeConsumer(): void {
    const wake = this.#consumer;
    this.#consumer = undefined;
    wake?.();
  }

  #wakeProducers(): void {
    const waiting = this.#producers;
    this.#producers = [];
    for (const wake of waiting) wake();
  }
}
