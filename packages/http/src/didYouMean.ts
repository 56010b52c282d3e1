/**
 * "Did you mean …?": the known name closest to a misspelt one (`appPrefx` → `appPrefix`,
 * `contributor` → `Contributor`, `wif pla` → `wif plan`). One rule for the spec's field and role
 * suggestions (`@wif/core`) and the command line's (`wif`): a case-only difference wins, otherwise
 * the smallest edit distance within a third of the name's length (at least 1, at most 3), so
 * unrelated names are never offered. Dependency-free, so that parsing a command line loads no SDK.
 */

/** Levenshtein distance (insert, delete, substitute), case-sensitive. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** How {@link closestName} may also match. */
export interface ClosestNameOptions {
  /**
   * When nothing is within the edit distance, a `given` of two or more characters that starts
   * exactly one known name suggests it (`wif diag` → `diagnose`). Default `false`.
   */
  readonly uniquePrefix?: boolean;
}

/** The closest of `known` to `given`, or `undefined` when none is close enough (or `given` is itself known). */
export function closestName(given: string, known: Iterable<string>, options: ClosestNameOptions = {}): string | undefined {
  const names = [...known];
  if (names.includes(given)) return undefined;
  const lower = given.toLowerCase();
  const sameCase = names.find((n) => n.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const limit = Math.min(3, Math.max(1, Math.floor(given.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const n of names) {
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  if (best !== undefined || options.uniquePrefix !== true) return best;
  const prefixed = names.filter((n) => given.length >= 2 && n.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
