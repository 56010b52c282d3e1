/**
 * `createFake()`: one in-memory, deterministic model of Microsoft Graph, ARM, Azure DevOps and the
 * Entra token endpoint, served as MSW handlers or through `handle(request)` (no MSW involved).
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import { routeRequest, serviceError, type RequestLogEntry, type Route, type ServiceName, type ServiceRouterOptions } from '../_router';
import { createJwtSigner } from './federation';
import { guidSequence, seededRandom } from './_random';
import { throttled, unavailable } from './_respond';
import { armRoutes } from './arm';
import { devopsRoutes } from './devops';
import { devopsLocationRoutes } from './devopsLocations';
import { entraRoutes } from './entra';
import { entraDiscoveryRoutes } from './entraDiscovery';
import { graphRoutes } from './graph';
import { graphBatchRoutes } from './graphBatch';
import { checkRoutes } from './checks';
import { managedIdentityRoutes } from './managedIdentity';
import { securityRoleRoutes } from './securityRoles';
import { graphPasswordRoutes } from './passwords';
import {
  FIXED_OPTIONS,
  resolveOptions,
  SERVICE_AUDIENCES,
  type FakeOptions,
  type FakeRoute,
  type FakeRuntime,
  type ResolvedOptions,
} from './options';
import { FakePermissions, parseDeny } from './permissions';
import { FakeState } from './state';
import { defaultScopesFor } from '../credential';

/** What {@link Fake.setPermissions} takes. */
export interface FakePermissionsInput {
  /**
   * Permissions the caller lacks: `arm:{action}[@{scope}]`,
   * `devops:ServiceEndpoints/{Use|Administer|Create|ViewAuthorization|ViewEndpoint}[@{project}]`,
   * `graph:{Application.ReadWrite.All|Application.ReadWrite.OwnedBy|AppRegistration.Create}`.
   */
  readonly deny: readonly string[];
  /** The tenant setting "Users can register applications" (default `true`). */
  readonly allowedToCreateApps?: boolean;
  /** Play an app-only caller (Graph `roles: ['Application.ReadWrite.OwnedBy']`) instead of a user (default `false`). */
  readonly appOnly?: boolean;
}

export interface Fake {
  /** MSW handlers for the four services (one catch-all per base URL), all answered by `handle`. */
  readonly handlers: HttpHandler[];
  /** Answers one request to any of the four services, without MSW (the emulator serves this). */
  handle(request: Request): Promise<Response>;
  /** The model behind the services: inspect it, seed it, mutate it to simulate drift. */
  readonly state: FakeState;
  /** Every request that reached a service, in arrival order (status 0 = injected network error). */
  readonly requests: readonly RequestLogEntry[];
  /**
   * Changes knobs mid-test (latency, fault rates, issuer mode, replication lag, clock, seed: a new
   * seed restarts the fault sequence). Throws `TypeError` for `tenantId`, `organization`,
   * `organizationId` and `baseUrls`, which are fixed at creation, and `RangeError` for a rate
   * outside 0..1.
   */
  setOptions(patch: Partial<FakeOptions>): void;
  /**
   * Makes matching requests fail, before any work, with the service's own error body: `status`
   * (default 403) and `code` (default `Forbidden`), `times` times (default: until `reset`). For
   * tests of partial failure: a pipeline-permission write that is refused, a delete that fails
   * during rollback. `path` is matched against the path below the service's base URL.
   */
  failRequests(rule: FailRule): void;
  /** Empties the state (built-in roles stay), the request log, the failure rules, the deny list, and restarts the seeded sequences. Options are kept. */
  reset(): void;
  /**
   * Plays a caller who lacks permissions (see `FakePermissionsInput`); `{ deny: [] }` resets.
   * Throws `TypeError` (a programmer error) for an entry it does not understand, naming each.
   */
  setPermissions(input: FakePermissionsInput): void;
  /** The deny list as given, e.g. `['arm:Microsoft.Authorization/roleAssignments/write']`. */
  readonly deniedPermissions: readonly string[];
  /**
   * Token claims that match the deny list, for `createTestCredential({ claims: fake.callerClaims })`:
   * a Graph token then lacks the denied permissions, so a preflight reads the truth.
   */
  callerClaims(scope: string): Record<string, unknown>;
}

/** A forced failure of {@link Fake.failRequests}. */
export interface FailRule {
  readonly service?: ServiceName;
  readonly method?: string;
  readonly path: RegExp;
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
  readonly times?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates a stateful fake of Graph, ARM, Azure DevOps and the Entra token endpoint.
 *
 * Throws `RangeError` for an out-of-range knob (a programmer error). Everything it generates (ids,
 * fault sequence) is deterministic for a given `seed`; only the RSA key that signs its OIDC tokens
 * is random.
 *
 * @example
 * const fake = createFake({ replicationLagInMs: 2_000, clock: () => now });
 * const server = setupServer(...fake.handlers);
 * fake.state.addProject('Fabrikam');
 */
export function createFake(options: FakeOptions = {}): Fake {
  let opts: ResolvedOptions = resolveOptions(options);
  let random = seededRandom(opts.seed);
  const ids = guidSequence(opts.seed);
  const requests: RequestLogEntry[] = [];
  const locks = new Set<string>();
  const failures: { rule: FailRule; left: number }[] = [];
  /** Requests whose latency a route already added. */
  const delayed = new WeakSet<Request>();

  const state = new FakeState({
    tenantId: opts.tenantId,
    organization: opts.organization,
    organizationId: opts.organizationId,
    issuerMode: () => opts.issuerMode,
    now: () => opts.clock(),
    newId: () => ids.next(),
  });
  const permissions = new FakePermissions();
  const runtime: FakeRuntime = {
    state,
    permissions,
    get options() {
      return opts;
    },
    signer: createJwtSigner(),
    now: () => opts.clock(),
    newId: () => ids.next(),
  };

  /** Sub-requests of a Graph `$batch`: the batch is one round trip, they add no latency of their own. */
  const batched = new WeakSet<Request>();
  const latency = async (request: Request): Promise<void> => {
    if (opts.latencyInMs > 0 && !batched.has(request)) await sleep(opts.latencyInMs);
  };

  /** Faults first (before any work), then latency, then the route; FIC-style locks while in flight. */
  const wrap =
    (service: ServiceName) =>
    (route: FakeRoute): Route => ({
      ...route,
      handle: async (ctx) => {
        delayed.add(ctx.request);
        const forced = failures.find(
          (f) =>
            f.left > 0 &&
            (f.rule.service === undefined || f.rule.service === service) &&
            (f.rule.method === undefined || f.rule.method.toUpperCase() === ctx.request.method.toUpperCase()) &&
            f.rule.path.test(ctx.path),
        );
        if (forced) {
          forced.left--;
          await latency(ctx.request);
          const { status = 403, code = 'Forbidden', message = 'Refused by a test (fake.failRequests).' } = forced.rule;
          return serviceError(service, status, code, message);
        }
        const roll = random();
        const { throttleRate, serverErrorRate, resetRate, retryAfterSeconds } = opts;
        if (roll < throttleRate + serverErrorRate + resetRate) {
          await latency(ctx.request);
          if (roll < throttleRate) return throttled(service, retryAfterSeconds);
          if (roll < throttleRate + serverErrorRate) return unavailable(service, retryAfterSeconds);
          return HttpResponse.error();
        }
        // Only a request with latency is ever "in flight" long enough to collide with another.
        const key = opts.latencyInMs > 0 ? route.lock?.(ctx) : undefined;
        if (key === undefined) {
          await latency(ctx.request);
          return route.handle(ctx);
        }
        if (locks.has(key)) {
          await latency(ctx.request);
          return route.conflict?.() ?? HttpResponse.json({}, { status: 409 });
        }
        locks.add(key);
        try {
          await latency(ctx.request);
          return await route.handle(ctx);
        } finally {
          locks.delete(key);
        }
      },
    });

  const governanceRoutes = securityRoleRoutes(runtime);
  const services: ServiceRouterOptions[] = (
    [
      [
        'graph',
        opts.baseUrls.graph,
        SERVICE_AUDIENCES.graph,
        [
          ...graphRoutes(runtime),
          ...graphPasswordRoutes(runtime),
          ...graphBatchRoutes(
            () => opts.baseUrls.graph,
            (r) => batchedRequest(r),
          ),
        ],
      ],
      ['arm', opts.baseUrls.arm, SERVICE_AUDIENCES.arm, [...armRoutes(runtime), ...managedIdentityRoutes(runtime)]],
      [
        'devops',
        opts.baseUrls.devops,
        SERVICE_AUDIENCES.devops,
        [...devopsRoutes(runtime), ...devopsLocationRoutes(runtime), ...checkRoutes(runtime), ...governanceRoutes],
      ],
      ['entra', opts.baseUrls.entra, '', [...entraRoutes(runtime), ...entraDiscoveryRoutes(runtime)]],
      // Identity lookups go to vssps.dev.azure.com; with a custom devops base (the emulator) the
      // client sends them to that base, where the devops routes above serve them.
      ...(opts.baseUrls.devops === 'https://dev.azure.com'
        ? ([
            [
              'devops',
              'https://vssps.dev.azure.com',
              SERVICE_AUDIENCES.devops,
              governanceRoutes.filter((r) => r.operation === 'GET identities'),
            ],
          ] as const)
        : []),
    ] as const
  )
    .map(([service, baseUrl, audience, routes]) => ({
      service,
      baseUrl,
      audience,
      routes: routes.map(wrap(service)),
      onRequest: (entry: RequestLogEntry) => requests.push(entry),
    }))
    // The most specific base URL wins when several share an origin (the emulator).
    .sort((a, b) => b.baseUrl.length - a.baseUrl.length);

  /** One sub-request of a `$batch`, through the Graph routes (and their faults), logged with `batched: true`. */
  const batchedRequest = (request: Request): Promise<Response> => {
    batched.add(request);
    const graph = services.find((s) => s.service === 'graph' && s.baseUrl === opts.baseUrls.graph);
    if (!graph) return Promise.resolve(serviceError('graph', 404, 'NotFound', 'No Graph service in this fake.'));
    return routeRequest(
      {
        service: graph.service,
        baseUrl: graph.baseUrl,
        audience: graph.audience,
        routes: graph.routes,
        onRequest: (entry) => requests.push({ ...entry, batched: true }),
      },
      request,
    );
  };

  const serviceFor = (url: string): ServiceRouterOptions | undefined => services.find((s) => url.startsWith(`${s.baseUrl}/`));

  const handle = async (request: Request): Promise<Response> => {
    const target = serviceFor(request.url);
    if (!target)
      return HttpResponse.json({ error: { code: 'NotFound', message: `No fake service serves ${request.url}.` } }, { status: 404 });
    const response = await routeRequest(target, request);
    if (!delayed.has(request)) await latency(request);
    return response;
  };

  return {
    handlers: services.map((s) => http.all(`${s.baseUrl}/*`, ({ request }) => handle(request))),
    handle,
    state,
    get requests() {
      return requests;
    },
    setOptions(patch) {
      for (const key of FIXED_OPTIONS) {
        if (patch[key] !== undefined) throw new TypeError(`wif fake: ${key} is fixed when the fake is created`);
      }
      opts = resolveOptions(patch, opts);
      if (patch.seed !== undefined) random = seededRandom(opts.seed);
    },
    failRequests(rule) {
      failures.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    setPermissions(input) {
      const parsed = parseDeny(Array.isArray(input.deny) ? input.deny : [input.deny]);
      if (!parsed.ok) throw new TypeError(`wif fake: ${parsed.problems.join('; ')}`);
      permissions.set(parsed.value);
      permissions.allowedToCreateApps = input.allowedToCreateApps ?? true;
      permissions.appOnly = input.appOnly ?? false;
    },
    get deniedPermissions() {
      return permissions.deny.map((d) => d.text);
    },
    callerClaims(scope) {
      return permissions.callerClaims(scope, defaultScopesFor(scope));
    },
    reset() {
      failures.length = 0;
      permissions.reset();
      state.clear();
      requests.length = 0;
      locks.clear();
      random = seededRandom(opts.seed);
      ids.reset();
    },
  };
}
