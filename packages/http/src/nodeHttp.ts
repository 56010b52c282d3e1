/**
 * The HTTP client every wif service client sends through by default. A direct request (no proxy, no
 * user info in the URL) is one HTTP/1.1 exchange of wif's own over a pooled keep-alive socket
 * (`http1.ts`, docs/decisions/044-an-http1-exchange-of-our-own.md); a request through a proxy, with
 * user info or with headers that are Node's to frame, and every request while an interceptor has
 * replaced `http.request` or someone subscribes to Node's HTTP client channel, goes through
 * `node:http`/`node:https` with keep-alive agents of this client's own. Either way it does what the
 * services need and no more (docs/decisions/022-lean-transport.md):
 *
 * - one request, one answer: the body is read whole (wif's answers are small JSON documents) and
 *   decompressed when `content-encoding` says gzip, deflate or br;
 * - redirects are not followed: a 3xx is an answer like any other (core-rest-pipeline's client did
 *   the same for wif: its pipeline had no redirect policy);
 * - a per-attempt timeout is one timer, cleared when the attempt ends; it fails the attempt with a
 *   `TimeoutError`, distinct from the `AbortError` of the caller's signal;
 * - `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (any case) are read when the client is
 *   made; a proxy agent is loaded only when one is set (loopback hosts never go through a proxy);
 * - extra trusted certificate authorities (`ca`) for one client only, on top of the public roots:
 *   the emulator's CA (decision 012). Verification is never turned off.
 */
import type http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { builtin } from './builtins';
import { isLoopbackUrl } from './endpoints';
import { createHttp1Pool, NO_BODY_FRAMING, requestHead, type Http1Origin } from './http1';
import { abortError } from './retry';

export { builtin } from './builtins';

/** One request of {@link NodeHttpClient.send}. */
export interface NodeHttpRequest {
  /** An absolute `http:` or `https:` URL. */
  readonly url: string;
  /** `GET`, `POST`, … */
  readonly method: string;
  /** Request headers, sent as given. */
  readonly headers: Readonly<Record<string, string>>;
  /** A string body, sent as UTF-8 with its `Content-Length`. */
  readonly body?: string | undefined;
  /** The caller's signal: when it fires the request ends with an `AbortError`. */
  readonly abortSignal?: AbortSignal | undefined;
  /** This attempt's timeout; when it passes the request ends with a `TimeoutError`. 0 or absent: none. */
  readonly timeoutInMs?: number | undefined;
}

/** The answer to one {@link NodeHttpRequest}, any status; the body read whole (and decompressed). */
export interface NodeHttpResponse {
  /** The HTTP status; redirects are not followed, so a 3xx is returned as it came. */
  readonly status: number;
  /** Response headers, names in lower case (Node's `IncomingHttpHeaders`). */
  readonly headers: http.IncomingHttpHeaders;
  /** The body as UTF-8 text; `''` when there is none. */
  readonly bodyText: string;
}

/** Options of {@link createNodeHttpClient}. */
export interface NodeHttpClientOptions {
  /**
   * Certificate authorities (PEM) trusted for this client's HTTPS requests, on top of the public
   * roots (`tls.rootCertificates`), e.g. the CA of `wif emulator --tls`.
   */
  readonly ca?: string | readonly string[] | undefined;
  /** Where proxy variables are read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A small keep-alive HTTP client over `node:http`/`node:https`. */
export interface NodeHttpClient {
  /**
   * Sends one request and reads the whole answer. Rejects only when there is no answer: a network
   * error (with Node's `code`), an `AbortError` (the caller's signal) or a `TimeoutError`.
   */
  send(request: NodeHttpRequest): Promise<NodeHttpResponse>;
}

/** Reads one response header (`name` in any case); several values are joined as Node joins them. */
export function headerOf(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** A per-attempt timeout, named as `AbortSignal.timeout` names it: retryable, unlike an abort. */
export function timeoutError(): Error {
  const e = new Error('The request timed out.');
  e.name = 'TimeoutError';
  return e;
}

/**
 * The `TimeoutError` that aborted `signal`, if a per-attempt timeout is why it aborted; else
 * `undefined`. A sender rethrows it instead of its own abort error, so that the timeout stays
 * retryable (as `fetch` reports it) while the caller's own abort stays an abort.
 */
export function timeoutReasonOf(signal: AbortSignal | undefined): Error | undefined {
  const reason: unknown = signal?.aborted ? signal.reason : undefined;
  return reason instanceof Error && reason.name === 'TimeoutError' ? reason : undefined;
}

interface ProxySettings {
  readonly https: string | undefined;
  readonly http: string | undefined;
  readonly noProxy: readonly string[];
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  return env[name] || env[name.toLowerCase()] || undefined;
}

/**
 * The proxy settings in `env`. An `https:` request goes through `HTTPS_PROXY`, else `ALL_PROXY`,
 * else `HTTP_PROXY` (the order of the Azure SDKs, so one variable set for them works here too); an
 * `http:` request through `HTTP_PROXY`, else `ALL_PROXY`.
 */
export function proxySettings(env: Readonly<Record<string, string | undefined>>): ProxySettings {
  const all = envValue(env, 'ALL_PROXY');
  const plain = envValue(env, 'HTTP_PROXY');
  return {
    https: envValue(env, 'HTTPS_PROXY') ?? all ?? plain,
    http: plain ?? all,
    noProxy: (envValue(env, 'NO_PROXY') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  };
}

/**
 * Whether `hostname` bypasses the proxy: loopback always; `*`; an entry equal to the host; an
 * entry that is a parent domain of the host (`example.com`, `.example.com` and `*.example.com` all
 * cover `a.example.com`). A `:port` on an entry is ignored.
 */
export function bypassesProxy(hostname: string, noProxy: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (isLoopbackUrl(`http://${host.includes(':') ? `[${host}]` : host}/`)) return true;
  for (const raw of noProxy) {
    if (raw === '*') return true;
    const entry = raw
      .replace(/^\*?\./, '')
      .replace(/:\d+$/, '')
      .replace(/^\[|\]$/g, '');
    if (entry && (host === entry || host.endsWith(`.${entry}`))) return true;
  }
  return false;
}

type ProxyAgentModule = { HttpsProxyAgent?: new (proxy: string, options?: https.AgentOptions) => http.Agent } & {
  HttpProxyAgent?: new (proxy: string, options?: http.AgentOptions) => http.Agent;
};

/** Loads a proxy agent package on first use, synchronously (see `core/src/_internal/lazyYaml.ts` for why this shape). */
function loadProxyModule(name: 'https-proxy-agent' | 'http-proxy-agent'): ProxyAgentModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a proxy is set
    return require(name) as ProxyAgentModule;
  } catch {
    return createRequire(typeof __filename === 'string' ? __filename : import.meta.url)(name) as ProxyAgentModule;
  }
}

/** What `http.request` needs of one origin. */
interface Target {
  readonly secure: boolean;
  readonly protocol: string;
  readonly hostname: string;
  /** `''` for the scheme's default port. */
  readonly port: string;
  /** The TLS server name: the host name, `''` for an IP address (as Node's agent computes it). */
  readonly servername: string;
  /** The agent: a proxy's, else this client's keep-alive agent for the scheme, made on first use. */
  agent(): http.Agent;
  readonly tls?: https.RequestOptions;
  readonly auth?: string;
  /**
   * The `Host` header Node would add, when requests to this origin may hand Node their headers as
   * a list (see {@link headerList}): a plain keep-alive agent (a proxy agent rewrites the headers
   * Node stored as an object) and no user info in the URL (Node derives `Authorization` from it).
   */
  readonly host?: string;
  /** The same origin for wif's own HTTP/1.1 exchange (`http1.ts`), when it has a {@link host}: no proxy, no user info. */
  readonly direct?: Http1Origin;
}

/**
 * `headers` as the flat `[name, value, …]` list `http.request` also takes, with `Host` last, or
 * `undefined` when the list would not put the same bytes on the wire as the object: a `Host` of
 * the caller's own, or two names differing only in case (the object keeps the last; a list sends
 * both). Node stores a list as it is (one header block, each name and value validated as for the
 * object) instead of one `setHeader` per name: ~10 of ~64 µs per request in a loop
 * (docs/decisions/029-cheap-result-chains.md). The caller sends a list only when Node
 * would add no body framing of its own: a body with its `Content-Length`, or a method in
 * {@link NO_BODY_FRAMING}. @internal
 */
export function headerList(headers: Readonly<Record<string, string>>, host: string): string[] | undefined {
  const names = Object.keys(headers);
  const list: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const lower = name.toLowerCase();
    if (lower === 'host') return undefined;
    for (let j = 0; j < i; j++) if (names[j]!.length === name.length && names[j]!.toLowerCase() === lower) return undefined;
    list.push(name, headers[name]!);
  }
  list.push('Host', host);
  return list;
}

/** Printable ASCII that the URL parser leaves as it is in a path (first) and in a query (`'` is escaped there). */
const PLAIN_PATH = /^\/[\w\-.~!$&'()*+,;=:@/%]*(?:\?[\w\-.~!$&()*+,;=:@/?%]*)?$/;
/** A dot segment (`/./`, `/../`, also as `%2e`), which the URL parser resolves. */
const DOT_SEGMENT = /\/\.|%2e/i;

/**
 * The request path of `rest` (what follows the origin in a URL) when `new URL` would send it
 * unchanged, else `undefined` (the caller then parses the whole URL). @internal
 */
export function plainRequestPath(rest: string): string | undefined {
  return PLAIN_PATH.test(rest) && !DOT_SEGMENT.test(rest) ? rest : undefined;
}

/** Whether `fn` is Node's own function `name` (not a wrapper, a proxy or another function put in its place). */
const isNodeOwn = (fn: unknown, name: string): boolean =>
  typeof fn === 'function' && fn.name === name && !Function.prototype.toString.call(fn).includes('[native code]');

/** One built-in module's functions as last checked, and whether they were Node's own. */
interface Checked {
  module: (typeof http | typeof https) | undefined;
  /** How many modules Node had loaded when this one was last found not loaded (the list only grows). */
  seen: number;
  /** `request`, `get` and (for http) `ClientRequest` as last checked. */
  fns: [unknown, unknown, unknown];
  own: boolean;
}
const checked: Record<'http' | 'https', Checked> = {
  http: { module: undefined, seen: -1, fns: [undefined, undefined, undefined], own: true },
  https: { module: undefined, seen: -1, fns: [undefined, undefined, undefined], own: true },
};

/** Whether `node:<id>`'s `request`, `get` (and `ClientRequest`) are Node's own; checked again only when one of them changed. */
function untouched(id: 'http' | 'https'): boolean {
  const c = checked[id];
  if (!c.module) {
    // A module nobody has loaded has not been replaced; it is not loaded here to find out.
    const loaded = (process as { moduleLoadList?: readonly string[] }).moduleLoadList;
    if (loaded && (loaded.length === c.seen || !loaded.includes(`NativeModule ${id}`))) {
      c.seen = loaded.length;
      return true;
    }
    c.module = builtin(id === 'https' ? 'node:https' : 'node:http');
  }
  const m = c.module as typeof http;
  const made = id === 'http' ? m.ClientRequest : undefined;
  if (m.request !== c.fns[0] || m.get !== c.fns[1] || made !== c.fns[2]) {
    c.fns = [m.request, m.get, made];
    c.own = isNodeOwn(m.request, 'request') && isNodeOwn(m.get, 'get') && (id === 'https' || isNodeOwn(m.ClientRequest, 'ClientRequest'));
  }
  return c.own;
}

/**
 * Whether something has put its own function in place of `http.request`, `http.get`,
 * `http.ClientRequest`, or (for `https:`) `https.request` and `https.get`: a request interceptor
 * such as MSW or nock, in the caller's tests or ours. wif then sends through `node:http`, so that
 * the interceptor sees the request as before, instead of over its own sockets, which such an
 * interceptor does not see (docs/decisions/044-an-http1-exchange-of-our-own.md). Checked at each
 * request: an interceptor may be installed after the client was made. @internal
 */
export function requestInterceptorInstalled(secure: boolean): boolean {
  return !untouched('http') || (secure && !untouched('https'));
}

/** Node's channel for the start of each `http.request` (`node:diagnostics_channel`), found on first use. */
let requestStart: { readonly hasSubscribers: boolean } | undefined;

/**
 * Whether anyone watches Node's HTTP client: a subscriber to `http.client.request.start` (tracing
 * and APM tools, tests that list requests in order) sees `node:http`'s requests only, so wif then
 * sends through `node:http`. @internal
 */
export function nodeHttpObserved(): boolean {
  return (requestStart ??= builtin('node:diagnostics_channel').channel('http.client.request.start')).hasSubscribers;
}

/** Origins whose request options a client keeps (wif talks to four services). */
const MAX_ORIGINS = 16;

const shared = new Map<string, NodeHttpClient>();

/**
 * The process's default {@link NodeHttpClient}, one per proxy configuration (read from `process.env`
 * at each call): every transport created without an `httpClient` sends through it, so that their
 * keep-alive sockets are one pool per host, as Node's global agent would make them. The access
 * check, the plan and apply's writes then reuse the connections (and, over HTTPS, the TLS sessions)
 * the first requests opened, instead of one pool per service client (decision 038). Idle sockets
 * do not keep the process alive (Node's agent unreferences them). @internal
 */
export function sharedNodeHttpClient(): NodeHttpClient {
  const key = JSON.stringify(proxySettings(process.env));
  let client = shared.get(key);
  if (!client) shared.set(key, (client = createNodeHttpClient()));
  return client;
}

/** Creates a {@link NodeHttpClient}: keep-alive agents of its own, created on first use. */
export function createNodeHttpClient(options: NodeHttpClientOptions = {}): NodeHttpClient {
  const extraCa = options.ca === undefined ? [] : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
  const ca = extraCa.length > 0 ? [...builtin('node:tls').rootCertificates, ...extraCa] : undefined;
  const proxy = proxySettings(options.env ?? process.env);
  let httpAgent: http.Agent | undefined;
  let httpsAgent: http.Agent | undefined;
  let httpProxyAgent: http.Agent | undefined;
  let httpsProxyAgent: http.Agent | undefined;

  const pool = createHttp1Pool();
  const plainAgent = (secure: boolean): http.Agent =>
    secure
      ? (httpsAgent ??= new (builtin('node:https').Agent)({ keepAlive: true, ...(ca ? { ca } : {}) }))
      : (httpAgent ??= new (builtin('node:http').Agent)({ keepAlive: true }));

  /** The proxy agent for `url`, and request options it needs (a proxy tunnel takes TLS options per request); `undefined` for a direct request. */
  const proxyFor = (url: URL): { agent: http.Agent; tls?: https.RequestOptions } | undefined => {
    const secure = url.protocol === 'https:';
    const proxyUrl = secure ? proxy.https : proxy.http;
    if (!proxyUrl || bypassesProxy(url.hostname, proxy.noProxy)) return undefined;
    if (secure) {
      const { HttpsProxyAgent } = loadProxyModule('https-proxy-agent');
      httpsProxyAgent ??= new HttpsProxyAgent!(proxyUrl, { keepAlive: true });
      return { agent: httpsProxyAgent, ...(ca ? { tls: { ca } } : {}) };
    }
    const { HttpProxyAgent } = loadProxyModule('http-proxy-agent');
    return { agent: (httpProxyAgent ??= new HttpProxyAgent!(proxyUrl, { keepAlive: true })) };
  };

  // Each origin's request options, worked out once: a client serves a few origins (one per service),
  // so every later request to one of them skips `new URL` and Node's conversion of a URL to request
  // options. Only origins without user info are kept (a handful at most; bounded all the same).
  const origins = new Map<string, Target>();

  /** `http.request` options for `raw` (without method, headers and body), or an error for a URL it cannot send. */
  const targetOf = (raw: string): { target: Target; path: string } | TypeError => {
    const slash = raw.indexOf('/', raw.indexOf('//') + 2);
    const prefix = slash > 0 ? raw.slice(0, slash) : undefined;
    const known = prefix === undefined ? undefined : origins.get(prefix);
    if (known) {
      const path = plainRequestPath(raw.slice(prefix!.length));
      if (path !== undefined) return { target: known, path };
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return new TypeError('Not an absolute URL.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return new TypeError(`Not an http(s) URL: ${url.protocol}`);
    const secure = url.protocol === 'https:';
    const viaProxy = proxyFor(url);
    // Node wants an IPv6 address without its brackets (as its own URL conversion gives it).
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const auth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
    // What Node's agent would work out per request from the host (none for an IP address): given here once.
    const servername = isIP(hostname) ? '' : hostname;
    // As Node writes it: the host as in the URL (an IPv6 address in brackets), the port unless the scheme's default.
    const host = !viaProxy && !auth ? (url.port ? `${url.hostname}:${url.port}` : url.hostname) : undefined;
    const target: Target = {
      secure,
      protocol: url.protocol,
      hostname,
      port: url.port,
      servername,
      agent: viaProxy ? () => viaProxy.agent : () => plainAgent(secure),
      ...(viaProxy?.tls ? { tls: viaProxy.tls } : {}),
      ...(auth ? { auth } : {}),
      ...(host !== undefined
        ? {
            host,
            direct: { secure, hostname, port: url.port ? Number(url.port) : secure ? 443 : 80, servername, host, ...(ca ? { ca } : {}) },
          }
        : {}),
    };
    if (!target.auth && origins.size < MAX_ORIGINS) origins.set(url.origin, target);
    return { target, path: `${url.pathname}${url.search}` };
  };

  const send = (request: NodeHttpRequest): Promise<NodeHttpResponse> => {
    const signal = request.abortSignal;
    if (signal?.aborted) return Promise.reject(abortError());
    const resolved = targetOf(request.url);
    if (resolved instanceof TypeError) return Promise.reject(resolved);
    const { target, path } = resolved;
    const method = request.method.toUpperCase();
    const body = request.body;
    if (target.direct && !nodeHttpObserved() && !requestInterceptorInstalled(target.secure)) {
      const head = requestHead(method, path, request.headers, target.direct.host, body === undefined ? undefined : Buffer.byteLength(body));
      if (head instanceof TypeError) return Promise.reject(head);
      if (head !== undefined) return pool.send(target.direct, head, body, method === 'HEAD', signal, request.timeoutInMs, timeoutError);
    }
    return viaNode(request, target, path, method);
  };

  /** Sends one request through `node:http`: over a proxy, with user info, or with headers that are Node's to frame. */
  const viaNode = (request: NodeHttpRequest, target: Target, path: string, method: string): Promise<NodeHttpResponse> =>
    new Promise<NodeHttpResponse>((resolve, reject) => {
      const signal = request.abortSignal;
      const body = request.body;
      const headers = body === undefined ? request.headers : { ...request.headers, 'Content-Length': String(Buffer.byteLength(body)) };
      const list =
        target.host !== undefined && (body !== undefined || NO_BODY_FRAMING.has(method)) ? headerList(headers, target.host) : undefined;
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (error: Error | undefined, response?: NodeHttpResponse): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (response) resolve(response);
        else reject(error ?? new Error('The request ended without an answer.'));
      };
      const onAbort = (): void => {
        const e = abortError();
        finish(e);
        outgoing.destroy(e);
      };
      const transport = builtin(target.secure ? 'node:https' : 'node:http');
      const outgoing = transport.request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          servername: target.servername,
          path,
          method,
          headers: list ?? headers,
          agent: target.agent(),
          ...(target.auth ? { auth: target.auth } : {}),
          ...target.tls,
        },
        (incoming) => {
          const status = incoming.statusCode ?? 0;
          const encoding = (headerOf(incoming.headers, 'content-encoding') ?? '').trim().toLowerCase();
          const z = encoding === '' || encoding === 'identity' ? undefined : builtin('node:zlib');
          const decoder =
            encoding === 'gzip' || encoding === 'x-gzip'
              ? z?.createGunzip()
              : encoding === 'deflate'
                ? z?.createInflate()
                : encoding === 'br'
                  ? z?.createBrotliDecompress()
                  : undefined;
          const empty = method === 'HEAD' || status === 204 || status === 304;
          const source: NodeJS.ReadableStream = empty || !decoder ? incoming : incoming.pipe(decoder);
          const chunks: Buffer[] = [];
          incoming.on('error', finish);
          if (source !== incoming) (source as NodeJS.ReadWriteStream).on('error', finish);
          if (empty) incoming.resume();
          else source.on('data', (chunk: Buffer) => chunks.push(chunk));
          source.on('end', () => {
            const bodyText =
              chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
            finish(undefined, { status, headers: incoming.headers, bodyText });
          });
        },
      );
      outgoing.on('error', finish);
      if (request.timeoutInMs !== undefined && request.timeoutInMs > 0) {
        timer = setTimeout(() => {
          const e = timeoutError();
          finish(e);
          outgoing.destroy(e);
        }, request.timeoutInMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.end(body);
    });

  return { send };
}
