/**
 * The options every operation takes — a REST call, a step, a workflow — passed through whole
 * (`o`), never re-spread field by field. Steps and workflows extend it with their own fields
 * (e.g. a replication backoff); the extra fields travel along and are ignored by what does not
 * read them.
 */
export interface OperationOptions {
  /** Cancels every request and every wait of the operation; the result is then an `Aborted` error. */
  readonly abortSignal?: AbortSignal;
}
