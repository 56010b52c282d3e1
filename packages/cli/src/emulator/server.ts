/**
 * The local emulator: the stateful fake of `@wif/testing` served over real HTTP on 127.0.0.1, with
 * Graph, ARM, Azure DevOps and the Entra token endpoint under one origin (layout.ts), and a few
 * emulator-only admin routes under `/_emulator` (admin.ts).
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { dirname } from 'node:path';
import { createFake, type Fake, type FakeOptions, knownBodyText } from '@wif/testing';
import { okAsync, ResultAsync } from 'neverthrow';
import { handleAdmin } from './admin';
import { EMULATOR_PATHS, emulatorEndpoints } from './layout';
import { withDiscovery } from './discovery';
import { seedDemo } from './seed';
import { loadSnapshot, saveSnapshot } from './snapshot';
import { defaultStateDir, emulatorTls, type EmulatorTlsMaterial } from './tls';

export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 4010. */
  readonly port?: number;
  /** Seed the demo organization (when no state was loaded). Default true. */
  readonly seed?: boolean;
  /** Load the state from this file when it exists; save it after every change. */
  readonly stateFile?: string;
  /** Knobs of the fake (latency, fault rates, issuer mode, …); `baseUrls` are the emulator's. */
  readonly fake?: Omit<FakeOptions, 'baseUrls'>;
  /** Told when the state cannot be saved (the emulator keeps serving). */
  readonly onPersistError?: (message: string) => void;
  /** Told after each request is answered (method, path without the query, status; 0 = connection reset). */
  readonly onRequest?: (method: string, path: string, status: number) => void;
  /**
   * Serve HTTPS with a certificate for 127.0.0.1 and localhost, issued by a local CA made on first
   * use and kept in `stateDir` (default: the directory of `stateFile`, else `defaultStateDir()`).
   */
  readonly tls?: boolean | { readonly stateDir?: string };
  /**
   * Turns off what the official clients discover before their first call (for the test that proves
   * the conformance suite exercises them); never needed otherwise.
   * @internal
   */
  readonly withoutDiscovery?: readonly ('locationDiscovery' | 'openidConfiguration')[];
}

/** A running emulator. */
export interface Emulator {
  /** The origin, e.g. `http://127.0.0.1:4010` (`https://` with `tls`). */
  readonly url: string;
  /** With `tls`: the CA certificate file clients trust (`NODE_EXTRA_CA_CERTS`, `REQUESTS_CA_BUNDLE`). */
  readonly caFile?: string;
  /** The port it listens on (the one picked when asked for 0). */
  readonly port: number;
  /** The service base URLs (what `--emulator URL` uses). */
  readonly endpoints: ReturnType<typeof emulatorEndpoints>;
  /** The fake behind it: inspect or seed its state directly in-process. */
  readonly fake: Fake;
  /** Whether the state came from `stateFile`. */
  readonly restored: boolean;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The emulator could not start: the port is taken, or the state file cannot be read. */
export interface EmulatorStartError {
  /** Always `EmulatorStart`. */
  readonly kind: 'EmulatorStart';
  /** The system error code, e.g. `EADDRINUSE`. */
  readonly code?: string;
  /** The state file, when it is what could not be used (unreadable, not JSON, corrupt). */
  readonly stateFile?: string;
  /** What went wrong and what to do. */
  readonly message: string;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Headers that describe one hop, not the message: never copied between node:http and fetch. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'proxy-connection',
  'te',
  'trailer',
]);

/** Reads a node request into a fetch `Request` under `origin` (whatever Host header it came with). */
export async function toFetchRequest(req: IncomingMessage, origin: string): Promise<Request | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  // A request that announces no body (no Content-Length, or 0, and no Transfer-Encoding) has none to
  // read: Node discards what is left of a request when its answer ends.
  const announced = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (announced) {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return 'too-large';
      chunks.push(chunk as Buffer);
    }
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const hasBody = chunks.length > 0 && method !== 'GET' && method !== 'HEAD';
  return new Request(`${origin}${req.url ?? '/'}`, { method, headers, ...(hasBody ? { body: Buffer.concat(chunks) } : {}) });
}

/** Writes a fetch `Response` to a node response; a network-error response resets the connection. */
export async function sendFetchResponse(res: ServerResponse, response: Response): Promise<void> {
  if (response.type === 'error') {
    res.socket?.destroy();
    return;
  }
  const known = knownBodyText(response);
  const body = known !== undefined ? Buffer.from(known, 'utf8') : Buffer.from(await response.arrayBuffer());
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') res.setHeader(name, value);
  });
  res.statusCode = response.status;
  res.setHeader('content-length', body.length);
  res.end(body);
}

const listen = (server: Server | HttpsServer, port: number): ResultAsync<number, EmulatorStartError> =>
  ResultAsync.fromPromise(
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    }),
    (e) => ({
      kind: 'EmulatorStart' as const,
      ...((e as NodeJS.ErrnoException).code ? { code: (e as NodeJS.ErrnoException).code! } : {}),
      message:
        (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? `Port ${port} on 127.0.0.1 is in use: pick another with --port, or --port 0 for a free one.`
          : `Cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`,
    }),
  );

/**
 * Starts the emulator on 127.0.0.1 (never another interface). The fake's base URLs are set to the
 * emulator layout once the port is known, so `--port 0` works. With `stateFile`, a saved state is
 * loaded (and the demo is not seeded again) and every change is written back before it is answered.
 * Errors: `EmulatorStart` (the port is taken — `code: 'EADDRINUSE'` — or the state file cannot be
 * read). Each call starts a new, independent emulator.
 *
 * @example
 * const emu = (await startEmulator({ port: 0 }))._unsafeUnwrap();
 * // WIF_EMULATOR_URL=emu.url wif plan -c examples/env-set.yaml
 * await emu.close();
 */
export function startEmulator(options: EmulatorOptions = {}): ResultAsync<Emulator, EmulatorStartError> {
  if (!options.tls) return serve(options, undefined);
  const stateDir =
    (typeof options.tls === 'object' ? options.tls.stateDir : undefined) ??
    (options.stateFile ? dirname(options.stateFile) : defaultStateDir());
  return ResultAsync.fromPromise(emulatorTls(stateDir), (e) => ({
    kind: 'EmulatorStart' as const,
    message: `Cannot prepare the emulator's certificate authority in ${stateDir}: ${(e as Error).message}`,
  })).andThen((tls) => serve(options, tls));
}

function serve(options: EmulatorOptions, tls: EmulatorTlsMaterial | undefined): ResultAsync<Emulator, EmulatorStartError> {
  let fake: Fake | undefined;
  let origin = '';
  let persist: (() => Promise<void>) | undefined;
  let handleService: (request: Request) => Promise<Response> = () => Promise.resolve(new Response(null, { status: 503 }));

  const listener: RequestListener = (req, res) => {
    void (async () => {
      if (!fake) return void res.writeHead(503).end();
      const request = await toFetchRequest(req, origin);
      if (request === 'too-large') return void res.writeHead(413).end();
      const path = new URL(request.url).pathname;
      const response = path.startsWith(`${EMULATOR_PATHS.admin}/`)
        ? await handleAdmin(fake, request, origin, req.headers.host ?? '')
        : await handleService(request);
      // Saved before the answer goes out: a client that saw the answer can rely on the file.
      if (persist && request.method !== 'GET' && response.type !== 'error' && response.status < 400) await persist();
      await sendFetchResponse(res, response);
      options.onRequest?.(request.method, path, response.type === 'error' ? 0 : response.status);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createServer(listener);
  server.keepAliveTimeout = 2_000;

  // The state file is read and checked whole before the port is opened.
  const loaded = options.stateFile
    ? loadSnapshot(options.stateFile).mapErr((e): EmulatorStartError => ({
        kind: 'EmulatorStart',
        stateFile: options.stateFile ?? '',
        message: e.message,
      }))
    : okAsync<undefined, EmulatorStartError>(undefined);
  return loaded.andThen((snapshot) =>
    listen(server, options.port ?? 4010)
      .map((port) => {
        origin = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
        const endpoints = emulatorEndpoints(origin);
        // A restored state carries ids from the seeded sequence: start a new sequence so new ids cannot collide.
        const seed = snapshot ? (Date.now() % 2_147_483_647) + 1 : undefined;
        fake = createFake({
          ...options.fake,
          ...(seed ? { seed } : {}),
          baseUrls: { graph: endpoints.graph, arm: endpoints.arm, devops: endpoints.devops, entra: endpoints.authority },
        });
        if (snapshot) snapshot.restore(fake.state);
        else if (options.seed !== false) seedDemo(fake);
        const f = fake;
        handleService = withDiscovery(f, origin, new Set(options.withoutDiscovery ?? []));
        if (options.stateFile) {
          const file = options.stateFile;
          // One write at a time, in the order of the changes.
          let queue = Promise.resolve();
          persist = () => {
            queue = queue.then(() =>
              saveSnapshot(file, f.state).match(
                () => undefined,
                (e) => options.onPersistError?.(e.message),
              ),
            );
            return queue;
          };
        }
        const close = (): Promise<void> =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
        return {
          url: origin,
          ...(tls ? { caFile: tls.caFile } : {}),
          port,
          endpoints,
          fake: f,
          restored: snapshot !== undefined,
          close,
        };
      })
      .andThen((emulator) => (persist ? ResultAsync.fromSafePromise(persist()).map(() => emulator) : okAsync(emulator))),
  );
}
