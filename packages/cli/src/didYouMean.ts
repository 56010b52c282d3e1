/**
 * "Did you mean …?" for commands and options (`wif pla` → `wif plan`). The same rule as the spec's
 * suggestions in `@wif/core` (kept here so that parsing the command line loads no SDK): a
 * case-only difference wins, else the smallest edit distance within a third of the word (1–3).
 */

function editDistance(a: string, b: string): number {
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

/** The closest of `known` to `given`; `undefined` when none is close enough. A prefix of exactly one name counts too. */
export function closestName(given: string, known: readonly string[]): string | undefined {
  if (known.includes(given)) return undefined;
  const lower = given.toLowerCase();
  const sameCase = known.find((n) => n.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const limit = Math.min(3, Math.max(1, Math.floor(given.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const n of known) {
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  if (best) return best;
  const prefixed = known.filter((n) => given.length >= 2 && n.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
