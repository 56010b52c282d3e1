/**
 * Reading each service's error body into one shape. Shapes (docs/reference/ holds the sources):
 * - Graph: `{ error: { code, message, innerError: { "request-id" } } }` (docs/reference/graph.md §6; key may be `innererror`)
 * - ARM: `{ error: { code, message, details?: [{ code, message }] } }` (docs/reference/arm.md §5)
 * - Azure DevOps: `{ message, typeKey, typeName, errorCode }` (docs/reference/devops.md §11, observed, undocumented)
 * - Entra token endpoint: `{ error, error_description, error_codes, trace_id, correlation_id }` (docs/reference/federation.md §4)
 */
import type { Service } from './errors';
import type { HeaderGetter } from './retry';

export interface ReadError {
  readonly code?: string;
  readonly message?: string;
  readonly requestId?: string;
  readonly errorCodes?: readonly number[];
  /** A service-specific reason why an otherwise retryable status must not be retried. */
  readonly permanent?: boolean;
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function getCaseInsensitive(o: Record<string, unknown> | undefined, key: string): unknown {
  if (!o) return undefined;
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : o[k];
}

/** ARM codes that say nothing on their own; the useful one is then in `details[]`. */
const GENERIC_ARM_CODES = new Set(['InvalidRequest', 'BadRequest', 'InvalidRequestContent', 'MultipleErrorsOccurred']);

export function readErrorBody(service: Service, text: string | undefined, headers: HeaderGetter): ReadError {
  const body = obj(parseJson(text));
  switch (service) {
    case 'graph': {
      const error = obj(body?.['error']);
      const inner = obj(getCaseInsensitive(error, 'innerError'));
      const requestId = str(getCaseInsensitive(inner, 'request-id')) ?? headers('request-id') ?? undefined;
      return compact({ code: str(error?.['code']), message: str(error?.['message']), requestId });
    }
    case 'arm': {
      const error = obj(body?.['error']);
      let code = str(error?.['code']);
      let message = str(error?.['message']);
      const details = Array.isArray(error?.['details']) ? (error['details'] as unknown[]).map(obj) : [];
      const first = details.find((d) => str(d?.['code']));
      if (first && (!code || GENERIC_ARM_CODES.has(code))) {
        code = str(first['code']);
        message = str(first['message']) ?? message;
      }
      const requestId = headers('x-ms-request-id') ?? headers('x-ms-correlation-request-id') ?? undefined;
      return compact({ code, message, requestId });
    }
    case 'devops': {
      const typeKey = str(body?.['typeKey']);
      const typeName = str(body?.['typeName']);
      const requestId = headers('x-vss-e2eid') ?? headers('activityid') ?? headers('x-tfs-session') ?? undefined;
      // A duplicate name is answered with HTTP 500 (observed, docs/reference/devops.md §11): never retry it.
      const permanent = /Duplicate|AlreadyExists|NotFound|Invalid|Argument/i.test(`${typeKey ?? ''} ${typeName ?? ''}`);
      return compact({ code: typeKey, message: str(body?.['message']), requestId, permanent });
    }
    case 'entra': {
      const codes = Array.isArray(body?.['error_codes'])
        ? (body['error_codes'] as unknown[]).filter((n): n is number => typeof n === 'number')
        : undefined;
      const description = str(body?.['error_description']);
      // The description is "AADSTSnnnn: text\r\nTrace ID: …": keep the first line, as a hint for people only.
      const firstLine = description?.split(/\r?\n/)[0];
      const requestId = str(body?.['trace_id']) ?? headers('x-ms-request-id') ?? undefined;
      return compact({ code: str(body?.['error']), message: firstLine, requestId, errorCodes: codes });
    }
  }
}

function compact(r: { [K in keyof ReadError]: ReadError[K] | undefined }): ReadError {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== false));
}
