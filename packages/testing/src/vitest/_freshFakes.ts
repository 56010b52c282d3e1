/**
 * For the fake's own tests (not exported): one MSW server for the file, and a new fake per test,
 * each with the options that test needs (fixed ones such as `organization` or `baseUrls` included).
 */
import type { SetupServer } from 'msw/node';
import { createFake, type Fake } from '../fake/createFake';
import type { FakeOptions } from '../fake/options';
import { useContractServer } from './useContractServer';

/** Registers the file's server; `start(options)` serves a new fake for the running test. */
export function useFreshFakes(): { start: (options?: FakeOptions) => Fake; server: SetupServer } {
  const { server, use } = useContractServer();
  const start = (options: FakeOptions = {}): Fake => {
    const fake = createFake(options);
    use(...fake.handlers);
    return fake;
  };
  return { start, server };
}
