/** Options every Graph call takes. */
export interface GraphRequestOptions {
  /** Ends the call (and any retry wait) early; the result is then an `Aborted` error. */
  readonly abortSignal?: AbortSignal | undefined;
}

/** Query options of the `list*` functions. */
export interface ListQuery {
  /** An OData `$filter`, e.g. `displayName eq 'vending-app'` (quote and escape values yourself). */
  readonly filter?: string;
  /** Fields to return; the ones wif's schema needs are always added. */
  readonly select?: readonly string[];
  /** Page size (`$top`, 1–999 for directory objects). */
  readonly top?: number;
}
