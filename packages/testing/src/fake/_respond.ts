/** Response helpers shared by the fake's service modules. */
import { serviceError, type ServiceName } from '../_router';

/**
 * A JSON answer with the headers MSW's `HttpResponse.json` sets (`Content-Type: application/json`
 * unless given, `Content-Length`), built as a plain `Response`: `HttpResponse.json` measures the
 * length through a `Blob` and decorates the response for cookies, which was a fifth of the
 * emulator's CPU per request in an organization-wide audit (bench/cli.ts).
 */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response => {
  const text = JSON.stringify(body) as string | undefined;
  const h = new Headers(headers);
  if (!h.has('content-type')) h.set('content-type', 'application/json');
  if (!h.has('content-length')) h.set('content-length', text ? String(Buffer.byteLength(text)) : '0');
  const response = new Response(text ?? null, { status, headers: h });
  bodies.set(response, text ?? '');
  return response;
};

/** The text of each answer `json` made, for a server that writes it without reading the body stream. */
const bodies = new WeakMap<Response, string>();

/**
 * The body of `response` as text when the fake made it from a string (its JSON answers), without
 * reading it: the emulator then writes it to the socket as is instead of going through the web
 * stream (about a third of its CPU per request, bench). `undefined` for any other response, whose
 * body is read as usual. The response's own body is left unread.
 */
export const knownBodyText = (response: Response): string | undefined => (response.bodyUsed ? undefined : bodies.get(response));

export const noContent = (): Response => new Response(null, { status: 204 });

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isGuid = (v: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

/** The answer to an injected throttle: the service's own 429 body with `Retry-After`. */
export function throttled(service: ServiceName, retryAfterSeconds: number): Response {
  const headers = { 'Retry-After': String(retryAfterSeconds) };
  switch (service) {
    case 'graph':
      return serviceError(
        'graph',
        429,
        'TooManyRequests',
        'Too many requests. Please retry after the time given in the Retry-After header.',
        headers,
      );
    case 'arm':
      return serviceError(
        'arm',
        429,
        'TooManyRequests',
        'The request is being throttled as the limit has been reached for operation type. Please retry after the time given in the Retry-After header.',
        headers,
      );
    case 'devops':
      return serviceError(
        'devops',
        429,
        'RequestBlockedException',
        'TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource in namespace.',
        headers,
      );
    case 'entra':
      return serviceError(
        'entra',
        429,
        'temporarily_unavailable',
        'AADSTS90033: A transient error has occurred. Please try again.',
        headers,
      );
  }
}

/** The answer to an injected server error: the service's own 503 body. */
export function unavailable(service: ServiceName, retryAfterSeconds: number): Response {
  const headers = { 'Retry-After': String(retryAfterSeconds) };
  switch (service) {
    case 'graph':
      return serviceError(
        'graph',
        503,
        'serviceNotAvailable',
        'The service is temporarily unavailable for maintenance or is overloaded. Please try again later.',
        headers,
      );
    case 'arm':
      return serviceError(
        'arm',
        503,
        'ServiceUnavailable',
        'The server is currently unable to handle the request. Please try again later.',
        headers,
      );
    case 'devops':
      return serviceError(
        'devops',
        503,
        'ServiceUnavailableException',
        'The service is temporarily unavailable. Please try again later.',
        headers,
      );
    case 'entra':
      return serviceError(
        'entra',
        503,
        'temporarily_unavailable',
        'AADSTS90033: A transient error has occurred. Please try again.',
        headers,
      );
  }
}

/**
 * Projects `$select=a,b` out of a full representation. `undefined` select returns it whole; an
 * unknown property is reported back by name.
 */
export function selectProperties(
  full: Record<string, unknown>,
  select: string | null,
): { ok: true; value: Record<string, unknown> } | { ok: false; property: string } {
  if (select === null || select.trim() === '') return { ok: true, value: full };
  const out: Record<string, unknown> = {};
  for (const raw of select.split(',')) {
    const name = raw.trim();
    const key = Object.keys(full).find((k) => k.toLowerCase() === name.toLowerCase() && !k.startsWith('@'));
    if (key === undefined) return { ok: false, property: name };
    out[key] = full[key];
  }
  return { ok: true, value: out };
}
