/**
 * Logging: wif never logs headers or bodies, only what a person needs to follow a run.
 * Every message passes through `redact` before it reaches the sink.
 */
import { redact, SECRET_FIELD_NAMES } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly service?: string;
  readonly method?: string;
  /** The URL with secret-named query values removed. */
  readonly url?: string;
  readonly status?: number;
  readonly attempt?: number;
  readonly durationInMs?: number;
  readonly requestId?: string;
}

/** A log sink. Receives entries that are already redacted. */
export type Logger = (entry: LogEntry) => void;

/** Calls `logger` with a redacted copy of `entry`; a throwing sink is ignored (logging never breaks a run). */
export function emit(logger: Logger | undefined, entry: LogEntry): void {
  if (!logger) return;
  try {
    const clean = Object.fromEntries(
      Object.entries(entry).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v]),
    ) as unknown as LogEntry;
    logger(clean);
  } catch {
    // a broken log sink must not change the outcome of a request
  }
}

const secretQueryKeys = new Set(SECRET_FIELD_NAMES.map((n) => n.toLowerCase()));

/** Removes the values of secret-named query parameters and any userinfo from a URL. */
export function sanitizeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const key of [...u.searchParams.keys()]) {
      if (secretQueryKeys.has(key.toLowerCase())) u.searchParams.set(key, '[REDACTED]');
    }
    return redact(u.toString());
  } catch {
    return redact(url.split('?')[0] ?? '');
  }
}
