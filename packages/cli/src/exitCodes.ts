/**
 * The exit codes of `wif`, documented in docs/cli.md so that pipelines can gate on them.
 * They never change meaning between versions.
 */
export const EXIT = {
  /** Everything asked for was done (or, for read-only commands, found in order). */
  ok: 0,
  /** A request failed, a connection did not converge, or a trust chain is broken. */
  failure: 1,
  /** The command line or the spec is invalid, or a confirmation was needed and could not be asked. Nothing was sent. */
  usage: 2,
  /** Drift: `plan --exit-code` or `sync --detect-only` found changes to make. */
  drift: 3,
  /** `audit --fail-on <severity>` found findings at or above that severity. */
  findings: 4,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
