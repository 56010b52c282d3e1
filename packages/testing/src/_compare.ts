/**
 * Whether two names or ids are equal ignoring letter case, as Azure DevOps and ARM compare them. A
 * missing `a` compares as the empty string. `@wif/core` has the same rule in `_internal/compare.ts`;
 * this package does not import it on purpose: the contract handlers and the fake are an oracle that
 * stays independent of the code they test (and core's tests depend on this package).
 */
export const same = (a: string | null | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase();
