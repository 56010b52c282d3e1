/**
 * Whether a client secret or certificate of an app can still sign in: no end date, or an end date
 * after `nowInMs`. An expired one is harmless, and neither the audit nor verify reports it.
 */
export function isLiveAppCredential(endDateTime: string | null | undefined, nowInMs: number): boolean {
  return !endDateTime || !(Date.parse(endDateTime) <= nowInMs);
}
