/**
 * `useFake(options)`: the stateful fake of one test file behind MSW, set up with one call.
 */
import type { RequestHandler } from 'msw';
import type { SetupServer } from 'msw/node';
import { beforeAll, beforeEach } from 'vitest';
import { createTestCredential } from '../credential';
import type { RequestLogEntry, TestCredential } from '../index';
import { createFake, type Fake } from '../fake/createFake';
import { FIXED_OPTIONS, resolveOptions, type FakeOptions } from '../fake/options';
import { testClientOptions, type TestClientOptions, type TestRetryOptions } from './clientOptions';
import { useContractServer } from './useContractServer';

/** What {@link useFake} takes. */
export interface UseFakeOptions<C> {
  /** Options of `createFake`. Its knobs (everything `setOptions` can change) are restored before each test. */
  readonly fake?: FakeOptions;
  /**
   * `'test'` (default): before each test the fake is reset (state, request log, failure rules, deny
   * list) and its knobs restored. `'file'`: the state lives for the whole file (tests that build on
   * each other, or seed once in `beforeAll`).
   */
  readonly reset?: 'test' | 'file';
  /** Azure DevOps projects the fake has before each test (added after the reset, before `setUp`). */
  readonly projects?: readonly string[];
  /** Runs after the reset before each test (seed projects, apps…); with `reset: 'file'`, once before the first test. */
  readonly setUp?: (fake: Fake) => void;
  /** The credential's tokens carry `fake.callerClaims(scope)`, so a Graph token lacks what the deny list denies. */
  readonly callerClaims?: boolean;
  /** Retry options of the clients (default `FAST_RETRY`). */
  readonly retry?: TestRetryOptions;
  /** Builds the file's clients from {@link TestClientOptions} (pass `createClients`, `createGraphClient`, …). */
  readonly clients?: (options: TestClientOptions) => C;
}

/** What {@link useFake} returns. */
export interface FakeHarness<C> {
  /** The fake: seed it, inspect it, change its knobs. */
  readonly fake: Fake;
  /** The MSW server serving {@link FakeHarness.fake}. */
  readonly server: SetupServer;
  /** Every request that reached the fake since the last reset (the fake's own log). */
  readonly requests: readonly RequestLogEntry[];
  /** Overrides for the running test, in front of the fake (dropped after the test). */
  use(...handlers: RequestHandler[]): void;
  /** The credential of {@link FakeHarness.clients} (its `requestedScopes` accumulate over the file). */
  readonly credential: TestCredential;
  /** What `options.clients` built, once for the file. */
  readonly clients: C;
  /** Options for one more client: the file's credential, the fake's organization, the file's retry, `overrides` on top. */
  clientOptions(overrides?: Partial<TestClientOptions>): TestClientOptions;
}

/**
 * Registers, for the calling test file, a stateful fake of Graph, ARM, Azure DevOps and the Entra
 * token endpoint behind an MSW server (see `useContractServer` for the server's life cycle and its
 * `onUnhandledFrame: 'error'`), reset before each test.
 *
 * Call it at the top level of a test file (or of a `describe`), never inside a test.
 *
 * @example
 * const { fake, clients } = useFake({ fake: { issuerMode: 'legacy' }, projects: ['platform'], clients: createClients });
 */
export function useFake<C = undefined>(options: UseFakeOptions<C> = {}): FakeHarness<C> {
  const fake = createFake(options.fake);
  const knobs = restorableKnobs(options.fake ?? {});
  const contract = useContractServer(fake.handlers);
  const credential = createTestCredential(options.callerClaims ? { claims: (scope) => fake.callerClaims(scope) } : {});
  const organization = options.fake?.organization ?? 'contoso';
  const clientOptions = (overrides: Partial<TestClientOptions> = {}): TestClientOptions =>
    testClientOptions(organization, { credential, ...(options.retry ? { retry: options.retry } : {}), ...overrides });
  const clients = (options.clients ? options.clients(clientOptions()) : undefined) as C;
  const seed = (): void => {
    for (const project of options.projects ?? []) fake.state.addProject(project);
    options.setUp?.(fake);
  };
  if (options.reset === 'file') beforeAll(seed);
  else
    beforeEach(() => {
      fake.reset();
      fake.setOptions(knobs);
      seed();
    });
  return {
    fake,
    server: contract.server,
    get requests() {
      return fake.requests;
    },
    use: contract.use,
    credential,
    clients,
    clientOptions,
  };
}

/** The knobs of `options` with their defaults filled in: what `setOptions` takes to undo a test's changes. */
function restorableKnobs(options: FakeOptions): FakeOptions {
  const resolved: Record<string, unknown> = { ...resolveOptions(options) };
  for (const key of FIXED_OPTIONS) delete resolved[key];
  return resolved as FakeOptions;
}
