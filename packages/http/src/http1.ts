/**
 * wif's own HTTP/1.1 exchange over one keep-alive socket: what `node:http` does for wif's requests,
 * without its layers (docs/decisions/044-an-http1-exchange-of-our-own.md). A request is one string
 * written to a pooled socket; the answer is read whole, framed by `Content-Length`, by chunked
 * transfer coding or by the end of the connection (RFC 9112 §6.3), then handed over with its headers
 * as Node would give them (`IncomingHttpHeaders`: names in lower case, repeats joined or dropped as
 * Node does).
 *
 * Only a direct request goes this way: a proxy, user info in the URL or a header that changes the
 * framing or the connection (`Host`, `Connection`, `Content-Length`, `Transfer-Encoding`, `Expect`,
 * `Upgrade`, `TE`, `Trailer`, or one name twice in different case) leaves the request to
 * `node:http` (`nodeHttp.ts`), which stays the reference: a test puts both on the wire and compares
 * the bytes.
 *
 * What it refuses, as Node refuses it: a method or header name that is not a token, a header value
 * with a control character (`ERR_INVALID_CHAR`: no header injection), a path with a space or control
 * character. What it refuses in an answer: a head over 16 KiB, a malformed status or header line,
 * two different `Content-Length`s, a malformed chunk: the socket is then destroyed, never reused.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import { builtin } from './builtins';
import { abortError } from './retry';

/** One origin's connection settings, worked out once per origin by the client. @internal */
export interface Http1Origin {
  readonly secure: boolean;
  /** The host to connect to (an IPv6 address without brackets). */
  readonly hostname: string;
  /** The port, the scheme's default when the URL has none. */
  readonly port: number;
  /** The TLS server name: the host name, `''` for an IP address. */
  readonly servername: string;
  /** The `Host` header, as Node writes it. */
  readonly host: string;
  /** Certificate authorities for TLS (the public roots and the client's extra ones), when the client has extra ones. */
  readonly ca?: readonly string[] | undefined;
}

/** What one exchange returns: the same shape as `NodeHttpResponse`. @internal */
export interface Http1Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly bodyText: string;
}

/** The largest response head read (Node's default `--max-http-header-size`). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Idle sockets kept per origin (Node's agent keeps 256). */
const MAX_IDLE_SOCKETS = 256;

/** What Node refuses in a request header value (`checkInvalidHeaderChar`). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** What Node refuses in a request path (`INVALID_PATH_REGEX`). */
const INVALID_PATH = /[^\u0021-\u00ff]/;
/** The characters of a token (RFC 9110 §5.6.2), by character code. */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_CHARS[c.charCodeAt(0)] = 1;

/** Whether `text[from, to)` is a non-empty token. */
function isToken(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}

const isBlank = (c: number): boolean => c === 32 || c === 9;

/** Whether `text[from, to)` is one or more ASCII digits. */
function isDigits(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
/** Request headers that change framing or the connection: a request with one is left to `node:http`. */
const NODE_ONLY = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'expect', 'upgrade', 'te', 'trailer']);
/** Methods for which Node adds no `Content-Length: 0` (nor `Transfer-Encoding`) to a request without a body. @internal */
export const NO_BODY_FRAMING = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);
/** Answer headers of which Node keeps the first and drops repeats (`_http_incoming` `matchKnownFields`). */
const FIRST_WINS = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

function codedError<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code });
}

/** An answer the client cannot read (Node's parser reports these as `HPE_…` codes). */
function protocolError(code: string, message: string): Error & { code: string } {
  return codedError(new Error(`Invalid HTTP response: ${message}`), code);
}

/**
 * The request head (request line, headers, blank line) as Node writes it for a header object: the
 * caller's headers in order, `Content-Length` when there is a body, `Host`, `Connection: keep-alive`,
 * and `Content-Length: 0` for a method Node frames without a body. `undefined` when the request is
 * `node:http`'s to send (see the module comment); a `TypeError` with Node's code when Node would
 * refuse it (nothing is sent). @internal
 */
export function requestHead(
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  host: string,
  bodyBytes: number | undefined,
): string | undefined | TypeError {
  if (!isToken(method, 0, method.length)) return codedError(new TypeError('Method must be a valid HTTP token'), 'ERR_INVALID_HTTP_TOKEN');
  if (INVALID_PATH.test(path)) return codedError(new TypeError('Request path contains unescaped characters'), 'ERR_UNESCAPED_CHARACTERS');
  let head = `${method} ${path} HTTP/1.1\r\n`;
  const seen: string[] = [];
  for (const name in headers) {
    const value = headers[name]!;
    const lower = name.toLowerCase();
    if (NODE_ONLY.has(lower) || seen.includes(lower)) return undefined;
    seen.push(lower);
    if (!isToken(name, 0, name.length))
      return codedError(new TypeError('Header name must be a valid HTTP token'), 'ERR_INVALID_HTTP_TOKEN');
    if (INVALID_VALUE.test(value)) return codedError(new TypeError(`Invalid character in header content ["${name}"]`), 'ERR_INVALID_CHAR');
    head += `${name}: ${value}\r\n`;
  }
  if (bodyBytes !== undefined) head += `Content-Length: ${bodyBytes}\r\n`;
  head += `Host: ${host}\r\nConnection: keep-alive\r\n`;
  if (bodyBytes === undefined && !NO_BODY_FRAMING.has(method)) head += 'Content-Length: 0\r\n';
  return `${head}\r\n`;
}

/** Reads one answer from the bytes it is fed; `done` once the answer is whole. @internal */
export class ResponseReader {
  status = 0;
  /** `Content-Encoding`, lower case, `''` when none. */
  encoding = '';
  /** The answer let the connection stay open for the next request. */
  keepAlive = true;
  /** The server's `Keep-Alive: timeout=N` hint, in ms. */
  idleTimeoutInMs: number | undefined;
  done = false;
  private pending: Buffer | undefined;
  private readonly body: Buffer[] = [];
  /** `head`, then `length` (bytes left in `remaining`), `chunked` sizes and data, `close` (until the end of the connection). */
  private state: 'head' | 'length' | 'size' | 'data' | 'data-end' | 'trailers' | 'close' = 'head';
  private remaining = 0;

  /** The final answer's head, and where its header lines start: turned into `headers` on first read. */
  private head = '';
  private headerFrom = 0;
  private parsed: IncomingHttpHeaders | undefined;

  constructor(private readonly noBody: boolean) {}

  /**
   * The answer's headers as Node gives them (`IncomingHttpHeaders`), built on first read: a
   * successful answer is usually read for its body alone, and building the object for every answer
   * was a tenth of the fleet's client CPU. The lines were checked when the head came.
   */
  get headers(): IncomingHttpHeaders {
    if (!this.parsed) {
      const headers: IncomingHttpHeaders = {};
      forEachHeader(this.head, this.headerFrom, (key, value) => {
        const had = headers[key];
        if (had === undefined) headers[key] = key === 'set-cookie' ? [value] : value;
        else if (key === 'set-cookie') (had as string[]).push(value);
        else if (!FIRST_WINS.has(key)) headers[key] = `${had as string}, ${value}`;
      });
      this.parsed = headers;
    }
    return this.parsed;
  }

  /** Feeds bytes; throws a protocol error for an answer that cannot be read. Bytes past the answer make it unusable for reuse. */
  feed(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (buf.length > 0 && !this.done) {
      switch (this.state) {
        case 'head': {
          const end = this.find(buf, '\r\n\r\n', MAX_HEAD_BYTES, 'HPE_HEADER_OVERFLOW', 'header overflow');
          if (end < 0) return;
          if (end > MAX_HEAD_BYTES) throw protocolError('HPE_HEADER_OVERFLOW', 'header overflow');
          const head = buf.toString('latin1', 0, end);
          buf = buf.subarray(end + 4);
          this.readHead(head);
          break;
        }
        case 'length':
          buf = this.takeBody(buf);
          if (this.remaining === 0) this.done = true;
          break;
        case 'close':
          this.body.push(buf);
          return;
        case 'size': {
          const eol = this.find(buf, '\r\n', 1024, 'HPE_INVALID_CHUNK_SIZE', 'chunk size line too long');
          if (eol < 0) return;
          const line = buf.toString('latin1', 0, eol);
          buf = buf.subarray(eol + 2);
          const size = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/.exec(line);
          if (!size) throw protocolError('HPE_INVALID_CHUNK_SIZE', 'malformed chunk size');
          this.remaining = parseInt(size[1]!, 16);
          this.state = this.remaining === 0 ? 'trailers' : 'data';
          break;
        }
        case 'data':
          buf = this.takeBody(buf);
          if (this.remaining === 0) this.state = 'data-end';
          break;
        case 'data-end': {
          if (buf.length < 2) {
            this.pending = buf;
            return;
          }
          if (buf[0] !== 13 || buf[1] !== 10) throw protocolError('HPE_STRICT', 'chunk not followed by CRLF');
          buf = buf.subarray(2);
          this.state = 'size';
          break;
        }
        case 'trailers': {
          // Trailer fields are read past and dropped (Node keeps them apart from the headers too).
          const eol = this.find(buf, '\r\n', MAX_HEAD_BYTES, 'HPE_HEADER_OVERFLOW', 'trailer overflow');
          if (eol < 0) return;
          buf = buf.subarray(eol + 2);
          if (eol === 0) this.done = true;
          break;
        }
      }
    }
    // Anything after the answer: the server sent what nobody asked for; the socket is not reused.
    if (this.done && buf.length > 0) this.keepAlive = false;
  }

  /**
   * Where `delimiter` starts in `buf`; when it has not come yet, keeps `buf` for the next bytes and
   * answers -1, or refuses once `buf` is over `limit` bytes.
   */
  private find(buf: Buffer, delimiter: string, limit: number, code: string, what: string): number {
    const at = buf.indexOf(delimiter);
    if (at < 0) {
      if (buf.length > limit) throw protocolError(code, what);
      this.pending = buf;
    }
    return at;
  }

  /** Takes up to `remaining` bytes of `buf` into the body; returns the rest of `buf`. */
  private takeBody(buf: Buffer): Buffer {
    const take = Math.min(this.remaining, buf.length);
    this.body.push(take === buf.length ? buf : buf.subarray(0, take));
    this.remaining -= take;
    return buf.subarray(take);
  }

  /** The connection ended: completes an answer read until the end, else says it ended early. */
  end(): boolean {
    if (this.state === 'close' && !this.done) this.done = true;
    return this.done;
  }

  /** The body read, as one buffer. */
  bodyBytes(): Buffer {
    return this.body.length === 0 ? Buffer.alloc(0) : this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body);
  }

  private readHead(head: string): void {
    let eol = head.indexOf('\r\n');
    if (eol < 0) eol = head.length;
    // `HTTP/1.x NNN[ reason]`, checked by character code (a regular expression here cost more than the rest of the head).
    const minor = head.charCodeAt(7);
    if (
      !head.startsWith('HTTP/1.') ||
      (minor !== 48 && minor !== 49) ||
      head.charCodeAt(8) !== 32 ||
      !isDigits(head, 9, 12) ||
      (eol > 12 && head.charCodeAt(12) !== 32)
    )
      throw protocolError('HPE_INVALID_CONSTANT', 'malformed status line');
    const http10 = minor === 48;
    const code = Number(head.slice(9, 12));
    const lengths: string[] = [];
    let connection = '';
    let keepAliveHint = '';
    let te = '';
    let encoding = '';
    // Every line checked now; only the fields that frame the answer or keep the connection are read.
    forEachHeader(head, eol + 2, undefined, (key, value) => {
      if (key === 'content-length') lengths.push(value);
      else if (key === 'connection') connection = joined(connection, value);
      else if (key === 'keep-alive') keepAliveHint = joined(keepAliveHint, value);
      else if (key === 'transfer-encoding') te = joined(te, value);
      else if (key === 'content-encoding') encoding = joined(encoding, value);
    });
    // 1xx (100 Continue, 103 Early Hints): an interim answer; the final one follows on the same socket.
    if (code >= 100 && code < 200) {
      if (code === 101) throw protocolError('HPE_UNEXPECTED_UPGRADE', 'unexpected protocol switch');
      return;
    }
    this.status = code;
    this.head = head;
    this.headerFrom = eol + 2;
    this.encoding = encoding.trim().toLowerCase();
    connection = connection.toLowerCase();
    this.keepAlive = http10 ? /\bkeep-alive\b/.test(connection) : !/\bclose\b/.test(connection);
    const hint = /\btimeout=(\d+)/i.exec(keepAliveHint);
    if (hint) this.idleTimeoutInMs = Number(hint[1]) * 1000;
    te = te.toLowerCase();
    if (this.noBody || code === 204 || code === 304) {
      this.done = true;
    } else if (te) {
      if (/(?:^|,)\s*chunked\s*$/.test(te)) this.state = 'size';
      else {
        this.state = 'close';
        this.keepAlive = false;
      }
      // Both framings in one answer (RFC 9112 §6.3): chunked wins and the connection is not reused.
      if (lengths.length > 0) this.keepAlive = false;
    } else if (lengths.length > 0) {
      // One plain length (nearly always), else every listed value must be the same number.
      const values =
        lengths.length === 1 && isDigits(lengths[0]!, 0, lengths[0]!.length)
          ? lengths
          : lengths.flatMap((v) => v.split(',').map((x) => x.trim()));
      if (!values.every((v) => v.length <= 15 && isDigits(v, 0, v.length) && v === values[0]))
        throw protocolError('HPE_UNEXPECTED_CONTENT_LENGTH', 'bad Content-Length');
      this.remaining = Number(values[0]);
      this.state = 'length';
      if (this.remaining === 0) this.done = true;
    } else {
      this.state = 'close';
      this.keepAlive = false;
    }
  }
}

/** Node's join of a repeated field. */
const joined = (had: string, value: string): string => (had ? `${had}, ${value}` : value);

/** Names of the fields {@link ResponseReader} reads itself, by length (the others are left for `headers`). */
const FRAMING_NAME_LENGTHS = new Set(
  ['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'content-encoding'].map((n) => n.length),
);

/**
 * Checks each header line of `head` from `from`, by character code (regular expressions per line were
 * a tenth of the fleet's client CPU): a name that is a token, a colon, a value without control
 * characters but HTAB, blanks around it dropped. A folded line (obs-fold) or a name with spaces is
 * refused, as Node's strict parser refuses it. Calls `visit` with the lower-case name and the value
 * of every line, or, when `visit` is undefined, `framing` with those of the lines whose name has the
 * length of a framing field (the caller matches the name).
 */
function forEachHeader(
  head: string,
  from: number,
  visit: ((key: string, value: string) => void) | undefined,
  framing?: (key: string, value: string) => void,
): void {
  for (let start = from; start < head.length;) {
    let end = head.indexOf('\r\n', start);
    if (end < 0) end = head.length;
    const colon = head.indexOf(':', start);
    if (colon <= start || colon > end || !isToken(head, start, colon))
      throw protocolError('HPE_INVALID_HEADER_TOKEN', 'malformed header line');
    let a = colon + 1;
    let b = end;
    while (a < b && isBlank(head.charCodeAt(a))) a++;
    while (b > a && isBlank(head.charCodeAt(b - 1))) b--;
    for (let i = a; i < b; i++) {
      const c = head.charCodeAt(i);
      if ((c < 32 && c !== 9) || c === 127) throw protocolError('HPE_INVALID_HEADER_TOKEN', 'control character in a header value');
    }
    if (visit) visit(head.slice(start, colon).toLowerCase(), head.slice(a, b));
    else if (framing && FRAMING_NAME_LENGTHS.has(colon - start)) framing(head.slice(start, colon).toLowerCase(), head.slice(a, b));
    start = end + 2;
  }
}

/** One pooled connection: its socket and the exchange it carries (none while idle). */
interface Conn {
  readonly socket: net.Socket;
  readonly key: string;
  exchange: Exchange | undefined;
  /** When an idle socket must no longer be used (the server's keep-alive hint, less a second as Node's agent does). */
  expiresAt: number;
}

/** One request in flight on a {@link Conn}. */
interface Exchange {
  readonly reader: ResponseReader;
  fail(error: Error): void;
  complete(): void;
}

/** A pool of keep-alive sockets per origin, the exchanges over them. @internal */
export interface Http1Pool {
  /**
   * Sends one request and reads the whole answer; rejects only when there is no answer (a network
   * error with Node's `code`, an unreadable answer, the caller's `AbortError`, or a `TimeoutError`).
   */
  send(
    origin: Http1Origin,
    head: string,
    body: string | undefined,
    noBody: boolean,
    signal: AbortSignal | undefined,
    timeoutInMs: number | undefined,
    timeoutError: () => Error,
  ): Promise<Http1Response>;
}

/** Creates an {@link Http1Pool}. Idle sockets are unreferenced: they do not keep the process alive. @internal */
export function createHttp1Pool(): Http1Pool {
  const idle = new Map<string, Conn[]>();
  const sessions = new Map<string, Buffer>();

  const drop = (conn: Conn): void => {
    const list = idle.get(conn.key);
    const at = list ? list.indexOf(conn) : -1;
    if (at >= 0) list!.splice(at, 1);
    conn.socket.destroy();
  };

  const connect = (origin: Http1Origin, key: string): Conn => {
    const options = { host: origin.hostname, port: origin.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 };
    let socket: net.Socket;
    if (origin.secure) {
      const session = sessions.get(key);
      const tlsSocket: tls.TLSSocket = builtin('node:tls').connect({
        ...options,
        ...(origin.servername ? { servername: origin.servername } : {}),
        ...(origin.ca ? { ca: [...origin.ca] } : {}),
        ...(session ? { session } : {}),
      });
      // TLS sessions resumed on the next connection to the origin, as Node's https agent does.
      tlsSocket.on('session', (s: Buffer) => sessions.set(key, s));
      socket = tlsSocket;
    } else {
      socket = builtin('node:net').connect(options);
    }
    const conn: Conn = { socket, key, exchange: undefined, expiresAt: Infinity };
    socket.on('data', (chunk: Buffer) => {
      const x = conn.exchange;
      if (!x) return drop(conn); // bytes while idle: not an answer to anything
      try {
        x.reader.feed(chunk);
      } catch (error) {
        x.fail(error as Error);
        return;
      }
      if (x.reader.done) x.complete();
    });
    socket.on('error', (error: Error) => {
      if (conn.exchange) conn.exchange.fail(error);
      else drop(conn);
    });
    const ended = (): void => {
      const x = conn.exchange;
      if (!x) return drop(conn);
      if (x.reader.end()) x.complete();
      else x.fail(codedError(new Error('socket hang up'), 'ECONNRESET'));
    };
    socket.on('end', ended);
    socket.on('close', ended);
    return conn;
  };

  const acquire = (origin: Http1Origin, key: string): Conn => {
    const list = idle.get(key);
    const now = Date.now();
    while (list && list.length > 0) {
      const conn = list.pop()!;
      if (conn.expiresAt > now && !conn.socket.destroyed && conn.socket.writable) {
        conn.socket.ref();
        return conn;
      }
      conn.socket.destroy();
    }
    return connect(origin, key);
  };

  const release = (conn: Conn, reader: ResponseReader): void => {
    conn.exchange = undefined;
    if (!reader.keepAlive || conn.socket.destroyed) {
      conn.socket.destroy();
      return;
    }
    let list = idle.get(conn.key);
    if (!list) idle.set(conn.key, (list = []));
    if (list.length >= MAX_IDLE_SOCKETS) {
      conn.socket.destroy();
      return;
    }
    conn.expiresAt = reader.idleTimeoutInMs === undefined ? Infinity : Date.now() + reader.idleTimeoutInMs - 1000;
    conn.socket.unref();
    list.push(conn);
  };

  const send: Http1Pool['send'] = (origin, head, body, noBody, signal, timeoutInMs, timeoutError) =>
    new Promise<Http1Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const key = `${origin.secure ? 's' : 'p'} ${origin.hostname} ${origin.port}`;
      const conn = acquire(origin, key);
      const reader = new ResponseReader(noBody);
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const fail = (error: Error): void => {
        if (!settle()) return;
        conn.exchange = undefined;
        conn.socket.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(abortError());
      conn.exchange = {
        reader,
        fail,
        complete: () => {
          if (!settle()) return;
          release(conn, reader);
          const encoding = reader.encoding;
          const bytes = reader.bodyBytes();
          // The headers built only if read (most answers are read for their body alone).
          const answer = (text: string): Http1Response => ({
            status: reader.status,
            get headers() {
              return reader.headers;
            },
            bodyText: text,
          });
          if (encoding === '' || encoding === 'identity' || bytes.length === 0) {
            resolve(answer(bytes.length === 0 ? '' : bytes.toString('utf8')));
            return;
          }
          const z = builtin('node:zlib');
          const decode =
            encoding === 'gzip' || encoding === 'x-gzip'
              ? z.gunzip
              : encoding === 'deflate'
                ? z.inflate
                : encoding === 'br'
                  ? z.brotliDecompress
                  : undefined;
          if (!decode) {
            resolve(answer(bytes.toString('utf8')));
            return;
          }
          decode(bytes, (error, out) => (error ? reject(error) : resolve(answer(out.toString('utf8')))));
        },
      };
      if (timeoutInMs !== undefined && timeoutInMs > 0) timer = setTimeout(() => fail(timeoutError()), timeoutInMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      conn.socket.write(body === undefined ? head : head + body, body === undefined ? 'latin1' : 'utf8');
    });

  return { send };
}
