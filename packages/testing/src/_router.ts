/**
 * The small router every contract handler and the stateful fake share: one MSW catch-all per
 * service base URL, routes matched by method + regular expression on the decoded path (Graph's
 * OData key syntax `applications(appId='…')` does not fit path patterns), and every check a real
 * service makes before it does any work: the bearer token's audience, `api-version`, content type.
 * A wrong request is answered with that service's real error body.
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import { decodeTestToken, type TestTokenClaims } from './credential';

export type ServiceName = 'graph' | 'arm' | 'devops' | 'entra';

/** What a route handler gets. */
export interface RouteContext {
  readonly request: Request;
  readonly url: URL;
  /** Path below the base URL, percent-decoded, starting with `/`. */
  readonly path: string;
  /** Regex groups of the route pattern, percent-decoded. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** Claims of the caller's test token (undefined for routes that take no auth, e.g. the token endpoint). */
  readonly caller: TestTokenClaims | undefined;
  /** The parsed JSON body (or form fields for `application/x-www-form-urlencoded`), if any. */
  readonly body: unknown;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  readonly pattern: RegExp;
  /** Name used in `docs/rest-operations.md` and in the request log. */
  readonly operation: string;
  /** Required `api-version` query value (ARM, Azure DevOps); undefined = not checked. */
  readonly apiVersion?: string | readonly string[];
  /** Skip the bearer check (the Entra token endpoint authenticates with the form body). */
  readonly anonymous?: boolean;
  readonly handle: (ctx: RouteContext) => Response | Promise<Response>;
}

export interface ServiceRouterOptions {
  readonly service: ServiceName;
  readonly baseUrl: string;
  /** Audience the bearer token must carry; PAT (Basic) auth is accepted too for Azure DevOps. */
  readonly audience: string;
  readonly routes: readonly Route[];
  /** Called for every request that reached a route (after checks), for request-count assertions. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  readonly service: ServiceName;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Sent inside a Graph `$batch` (logged after the batch that carried it): not an HTTP request of its own. */
  readonly batched?: true;
}

let sequence = 0;
/** A deterministic request id (the real services send GUIDs). */
export function nextRequestId(): string {
  sequence += 1;
  return `00000000-0000-4000-8000-${sequence.toString(16).padStart(12, '0')}`;
}

/** The service's own error body and status, exactly as the real service shapes it. */
export function serviceError(
  service: ServiceName,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const requestId = nextRequestId();
  switch (service) {
    case 'graph':
      return HttpResponse.json(
        {
          error: {
            code,
            message,
            innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': requestId },
          },
        },
        { status, headers: { 'request-id': requestId, ...headers } },
      );
    case 'arm':
      return HttpResponse.json(
        { error: { code, message } },
        { status, headers: { 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': requestId, ...headers } },
      );
    case 'devops':
      return HttpResponse.json(
        {
          $id: '1',
          innerException: null,
          message,
          typeName: `Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi.${code}, Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi`,
          typeKey: code,
          errorCode: 0,
          eventId: 3000,
        },
        { status, headers: { 'x-vss-e2eid': requestId, ...headers } },
      );
    case 'entra': {
      // code here is the OAuth error ("invalid_client"); message starts with "AADSTSnnnn: ".
      const aadsts = /^AADSTS(\d+)/.exec(message);
      return HttpResponse.json(
        {
          error: code,
          error_description: `${message}\r\nTrace ID: ${requestId}\r\nCorrelation ID: ${requestId}\r\nTimestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
          error_codes: aadsts ? [Number(aadsts[1])] : [],
          timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
          trace_id: requestId,
          correlation_id: requestId,
          error_uri: aadsts ? `https://login.microsoftonline.com/error?code=${aadsts[1]}` : undefined,
        },
        { status, headers },
      );
    }
  }
}

/** A 400 the way each service answers an invalid request body. */
export function badRequest(service: ServiceName, message: string): Response {
  const code =
    service === 'graph'
      ? 'Request_BadRequest'
      : service === 'arm'
        ? 'InvalidRequestContent'
        : service === 'devops'
          ? 'ArgumentException'
          : 'invalid_request';
  return serviceError(service, 400, code, message);
}

function unauthorized(service: ServiceName, detail: string): Response {
  switch (service) {
    case 'graph':
      return serviceError('graph', 401, 'InvalidAuthenticationToken', `Access token validation failure. ${detail}`);
    case 'arm':
      return serviceError('arm', 401, 'InvalidAuthenticationToken', `The access token is invalid. ${detail}`);
    case 'devops':
      return serviceError(
        'devops',
        401,
        'UnauthorizedRequestException',
        `TF400813: The user is not authorized to access this resource. ${detail}`,
      );
    case 'entra':
      return serviceError('entra', 401, 'invalid_client', `AADSTS7000215: ${detail}`);
  }
}

function wrongApiVersion(service: ServiceName, got: string | null, want: readonly string[]): Response {
  if (service === 'arm') {
    return serviceError(
      'arm',
      400,
      got === null ? 'MissingApiVersionParameter' : 'InvalidApiVersionParameter',
      got === null
        ? 'The api-version query parameter (?api-version=) is required for all requests.'
        : `The api-version '${got}' is invalid. The supported versions are '${want.join(',')}'.`,
    );
  }
  return serviceError(
    'devops',
    400,
    'VssVersionOutOfRangeException',
    `The requested REST API version of ${got ?? '(none)'} is out of range for this server. Expected ${want.join(' or ')}.`,
  );
}

/**
 * Azure DevOps also takes the api-version from the Accept header (`application/json;api-version=7.1`),
 * which is how azure-devops-node-api and the .NET client send it.
 * https://learn.microsoft.com/en-us/azure/devops/integrate/concepts/rest-api-versioning?view=azure-devops
 */
function acceptApiVersion(request: Request): string | null {
  const match = /(?:^|[;,\s])api-version=([^;,\s]+)/i.exec(request.headers.get('accept') ?? '');
  return match?.[1] ?? null;
}

async function readBody(request: Request): Promise<{ ok: true; body: unknown } | { ok: false; message: string }> {
  if (request.method === 'GET' || request.method === 'DELETE') return { ok: true, body: undefined };
  const text = await request.text();
  if (text === '') return { ok: true, body: undefined };
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { ok: true, body: Object.fromEntries(new URLSearchParams(text)) };
  }
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'The request body is not valid JSON.' };
  }
}

/** One MSW handler that serves every route of a service below `baseUrl`. */
export function serviceRouter(options: ServiceRouterOptions): HttpHandler {
  const base = options.baseUrl.replace(/\/+$/, '');
  return http.all(`${base}/*`, ({ request }) => routeRequest(options, request));
}

/**
 * The logic of {@link serviceRouter} without MSW: answers one request for a URL below
 * `options.baseUrl` (the emulator and the stateful fake serve it over plain `Request`/`Response`).
 */
export async function routeRequest(options: ServiceRouterOptions, request: Request): Promise<Response> {
  const basePath = new URL(options.baseUrl.replace(/\/+$/, '')).pathname.replace(/\/+$/, '');
  const url = new URL(request.url);
  const rawPath = url.pathname.slice(basePath.length) || '/';
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return badRequest(options.service, 'The request path is not valid percent-encoding.');
  }
  const matching = options.routes.filter((r) => r.pattern.test(path));
  const route = matching.find((r) => r.method === request.method);
  const log = (status: number, operation: string): void =>
    options.onRequest?.({ service: options.service, operation, method: request.method, path, status });
  if (!route) {
    const res = matching.length
      ? serviceError(options.service, 405, 'MethodNotAllowed', `The requested resource does not support http method '${request.method}'.`)
      : serviceError(
          options.service,
          404,
          options.service === 'graph'
            ? 'Request_UnsupportedQuery'
            : options.service === 'arm'
              ? 'InvalidResourceType'
              : 'NotFoundException',
          `No ${options.service} operation matches ${request.method} ${path}.`,
        );
    log(res.status, 'unmatched');
    return res;
  }
  let caller: TestTokenClaims | undefined;
  if (!route.anonymous) {
    const authorization = request.headers.get('authorization');
    const isBasic = options.service === 'devops' && /^Basic\s+\S+$/.test(authorization ?? '');
    if (!isBasic) {
      caller = decodeTestToken(authorization);
      if (!caller) {
        log(401, route.operation);
        return unauthorized(options.service, 'No bearer token, or it is malformed.');
      }
      if (caller.aud !== options.audience) {
        log(401, route.operation);
        return unauthorized(options.service, `Invalid audience '${caller.aud}'.`);
      }
    }
  }
  if (route.apiVersion !== undefined) {
    const want = typeof route.apiVersion === 'string' ? [route.apiVersion] : route.apiVersion;
    const got = url.searchParams.get('api-version') ?? (options.service === 'devops' ? acceptApiVersion(request) : null);
    if (got === null || !want.includes(got)) {
      log(400, route.operation);
      return wrongApiVersion(options.service, got, want);
    }
  }
  if (['POST', 'PUT', 'PATCH'].includes(request.method) && request.headers.get('content-length') !== '0') {
    const type = request.headers.get('content-type') ?? '';
    const wantForm = options.service === 'entra';
    const text = await request.clone().text();
    if (text !== '' && (wantForm ? !type.startsWith('application/x-www-form-urlencoded') : !type.startsWith('application/json'))) {
      log(415, route.operation);
      return serviceError(options.service, 415, 'UnsupportedMediaType', `Content-Type '${type}' is not supported here.`);
    }
  }
  const body = await readBody(request);
  if (!body.ok) {
    log(400, route.operation);
    return badRequest(options.service, body.message);
  }
  const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => p ?? '');
  const response = await route.handle({ request, url, path, params, query: url.searchParams, caller, body: body.body });
  log(response.status, route.operation);
  return response;
}
