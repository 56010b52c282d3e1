/**
 * `@wif/testing/vitest`: one call at the top of a test file sets up an MSW server (the contract
 * handlers, or the stateful fake) with Vitest's hooks. Needs `vitest` (a peer dependency); the root
 * entry `@wif/testing` does not load it.
 */
export { FAST_RETRY, type TestClientOptions, type TestRetryOptions } from './clientOptions';
export { useContractServer, type ContractServer, type SeenRequest } from './useContractServer';
export { useFake, type FakeHarness, type UseFakeOptions } from './useFake';
