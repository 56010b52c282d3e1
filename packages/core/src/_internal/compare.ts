/** Exact string comparison with a human diagnosis of how two strings differ. */

/** Index of the first differing UTF-16 unit, or -1 when equal. */
export function firstDifference(a: string, b: string): number {
  if (a === b) return -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Why `actual` is not `expected`, in a few words a person can act on. */
export function describeDifference(expected: string, actual: string): string {
  if (expected === actual) return 'identical';
  if (expected.trim() === actual.trim()) return 'differs only in leading or trailing whitespace';
  if (expected.toLowerCase() === actual.toLowerCase()) return 'differs only in letter case';
  if (expected.replace(/\/+$/, '') === actual.replace(/\/+$/, '')) return 'differs only in a trailing slash';
  const at = firstDifference(expected, actual);
  return `first differs at position ${at} ("${expected.slice(Math.max(0, at - 8), at + 8)}" vs "${actual.slice(Math.max(0, at - 8), at + 8)}")`;
}

/** A crude similarity for picking the closest candidate: length of the common prefix, ignoring case. */
export function similarity(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i - Math.abs(x.length - y.length) / 1000;
}

/**
 * Whether two names or ids are equal ignoring letter case, the way Azure DevOps and ARM compare them
 * (project and connection names, GUIDs, scopes). A missing `a` compares as the empty string.
 */
export function same(a: string | null | undefined, b: string): boolean {
  return (a ?? '').toLowerCase() === b.toLowerCase();
}
