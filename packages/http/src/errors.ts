/**
 * The error union shared by every wif package.
 *
 * Errors are data: branch on `kind`, then on the service's own `code`; never on `message`.
 * No error ever holds a token, a secret, an `Authorization` header or a raw request: every
 * `message` passes through {@link redact} before it is stored.
 */
import { clip, redact } from './redact';

/** The remote services wif talks to. `entra` is the Microsoft Entra token endpoint. */
export type Service = 'graph' | 'arm' | 'devops' | 'entra';

/** Where in a source file (a spec) a problem is: 1-based line and column. */
export interface SourceLocation {
  /** The file name as the caller gave it, e.g. `wif.yaml`. */
  readonly source: string;
  readonly line: number;
  readonly column: number;
}

/** One problem found while validating input, with the path of the offending field. */
export interface Problem {
  /** Dotted path of the field, e.g. `connections[2].scope`; empty for the whole input. */
  readonly path: string;
  /** The whole explanation, e.g. `expected a list of pipeline ids or { all: true }, found the string "101"`. */
  readonly message: string;
  /** What the field must be, when that can be said on its own (also inside `message`). */
  readonly expected?: string;
  /** What was found there, e.g. `the string "101"`, `nothing` (also inside `message`). */
  readonly found?: string;
  /** A close valid name for a misspelt one (`appPrefix` for `appPrefx`; also inside `message`). */
  readonly suggestion?: string;
  /** Where the field is in the file the input was read from (specs read from YAML or JSON). */
  readonly location?: SourceLocation;
}

/** `wif.yaml:12:5` for a problem with a location; empty otherwise. */
export function formatLocation(p: Pick<Problem, 'location'>): string {
  return p.location ? `${p.location.source}:${p.location.line}:${p.location.column}` : '';
}

/** Input was rejected before any request was sent. */
export interface ValidationError {
  readonly kind: 'Validation';
  readonly problems: readonly Problem[];
  readonly message: string;
}

/** HTTP-level error kinds, one per class of reaction the caller needs. */
export type HttpErrorKind = 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'Conflict' | 'Throttled' | 'ServiceUnavailable';

/** A service answered with an error status. */
export interface HttpError {
  readonly kind: HttpErrorKind;
  readonly service: Service;
  /** What was being done, e.g. `PUT roleAssignments`. Never contains query strings or ids of secrets. */
  readonly operation: string;
  readonly status: number;
  /** The service's own error code: Graph/ARM `error.code`, Azure DevOps `typeKey`, Entra `error` (+ `AADSTSnnnn`). */
  readonly code?: string;
  /** Entra `error_codes` (AADSTS numbers), when the token endpoint answered. */
  readonly errorCodes?: readonly number[];
  /** The service's request id, for a support ticket. */
  readonly requestId?: string;
  /** Whether sending the same request again later may succeed. */
  readonly retryable: boolean;
  /** How long the service asked us to wait, when it said. */
  readonly retryAfterInMs?: number;
  readonly message: string;
}

/** No HTTP answer: connection refused or reset, DNS failure, a per-request timeout, or a TLS certificate that does not verify. */
export interface NetworkError {
  readonly kind: 'Network';
  readonly service: Service;
  readonly operation: string;
  readonly code?: string;
  /** False when retrying cannot help (a TLS certificate that does not verify). */
  readonly retryable: boolean;
  readonly message: string;
}

/** The service answered 2xx but with a body that does not have the shape we rely on. */
export interface InvalidResponseError {
  readonly kind: 'InvalidResponse';
  readonly service: Service;
  readonly operation: string;
  readonly status: number;
  readonly issues: readonly Problem[];
  readonly message: string;
}

/** The credential could not produce a token (not signed in, expired refresh token, no managed identity, …). */
export interface AuthenticationError {
  readonly kind: 'Authentication';
  readonly service: Service;
  readonly message: string;
}

/** The caller's `abortSignal` fired. */
export interface AbortedError {
  readonly kind: 'Aborted';
  readonly message: string;
}

/** Everything a single REST call can fail with. */
export type TransportError = HttpError | NetworkError | InvalidResponseError | AuthenticationError | AbortedError;

/** Builds a {@link ValidationError} from one or more problems. */
export function validationError(problems: readonly Problem[]): ValidationError {
  const lines = problems.map((p) => [formatLocation(p), p.path ? `${p.path}: ${p.message}` : p.message].filter(Boolean).join(' '));
  const n = problems.length;
  return {
    kind: 'Validation',
    problems: problems.map((p) => ({
      path: p.path,
      message: redact(p.message),
      ...(p.expected !== undefined ? { expected: redact(p.expected) } : {}),
      ...(p.found !== undefined ? { found: redact(p.found) } : {}),
      ...(p.suggestion !== undefined ? { suggestion: redact(p.suggestion) } : {}),
      ...(p.location ? { location: { ...p.location, source: redact(p.location.source) } } : {}),
    })),
    message: redact(`${n === 1 ? '1 problem' : `${n} problems`} (nothing was sent): ${lines.join('; ')}`),
  };
}

/** Maps an HTTP status to the kind a caller reacts to. */
export function kindForStatus(status: number): HttpErrorKind {
  if (status === 401 || status === 203) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404 || status === 410) return 'NotFound';
  if (status === 409 || status === 412) return 'Conflict';
  if (status === 429) return 'Throttled';
  if (status >= 500) return 'ServiceUnavailable';
  return 'BadRequest';
}

const NEXT_STEP: Record<HttpErrorKind, (service: Service) => string> = {
  BadRequest: () => 'The request was rejected as invalid; check the input named in the message.',
  Unauthorized: (s) =>
    s === 'devops'
      ? 'Sign in again (az login) or check that the PAT is valid and not expired.'
      : 'Sign in again (az login) or check the credential: the token was not accepted.',
  Forbidden: (s) =>
    s === 'graph'
      ? 'The identity lacks a Graph permission (Application.ReadWrite.OwnedBy or Application.ReadWrite.All) or is not an owner of the app.'
      : s === 'arm'
        ? 'The identity lacks Microsoft.Authorization/roleAssignments/write (or read) at this scope; if access was just granted, sign in again.'
        : s === 'devops'
          ? 'The identity is not an Endpoint Administrator (service connection administrator) in this project.'
          : 'The identity is not allowed to do this.',
  NotFound: () => 'It does not exist, or the identity cannot see it.',
  Conflict: () => 'It conflicts with the current state; read it again and retry.',
  Throttled: () => 'The service is throttling; wait for retryAfterInMs and retry, or lower the concurrency.',
  ServiceUnavailable: () => 'The service failed; retry later.',
};

/** Builds an {@link HttpError}; the message is redacted and ends with what to do next. */
export function httpError(init: {
  service: Service;
  operation: string;
  status: number;
  code?: string | undefined;
  errorCodes?: readonly number[] | undefined;
  requestId?: string | undefined;
  retryable?: boolean | undefined;
  retryAfterInMs?: number | undefined;
  serviceMessage?: string | undefined;
  kind?: HttpErrorKind | undefined;
}): HttpError {
  const kind = init.kind ?? kindForStatus(init.status);
  const retryable = init.retryable ?? (kind === 'Throttled' || kind === 'ServiceUnavailable');
  // Everything the service said is untrusted text: redact it whole, then cut it (a secret cut in two
  // would match neither its registered value nor its shape).
  const said = init.serviceMessage ? ` ${oneLine(init.serviceMessage)}` : '';
  const serviceCode = init.code !== undefined ? untrusted(init.code, MAX_CODE) : undefined;
  const requestId = init.requestId !== undefined ? untrusted(init.requestId, MAX_REQUEST_ID) : undefined;
  const code = serviceCode ? ` [${serviceCode}]` : '';
  const message = redact(`${init.service} ${init.operation} failed with ${init.status}${code}.${said} ${NEXT_STEP[kind](init.service)}`);
  return {
    kind,
    service: init.service,
    operation: init.operation,
    status: init.status,
    ...(serviceCode !== undefined ? { code: serviceCode } : {}),
    ...(init.errorCodes !== undefined && init.errorCodes.length > 0 ? { errorCodes: init.errorCodes } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    retryable,
    ...(init.retryAfterInMs !== undefined ? { retryAfterInMs: init.retryAfterInMs } : {}),
    message,
  };
}

/** How much of a service's message, error code and request id an error keeps (after redaction). */
export const MAX_SERVICE_MESSAGE = 500;
const MAX_CODE = 120;
const MAX_REQUEST_ID = 120;

/** Service text on one line: redacted whole, then cut. */
function untrusted(text: string, max: number): string {
  return clip(redact(text).replace(/\s+/g, ' ').trim(), max);
}

function oneLine(text: string): string {
  const clipped = untrusted(text, MAX_SERVICE_MESSAGE);
  return /[.!?]$/.test(clipped) ? clipped : `${clipped}.`;
}

/** True when the error is one that sending the same request later may fix. */
export function isRetryable(error: { kind: string; retryable?: boolean }): boolean {
  return error.retryable === true;
}
