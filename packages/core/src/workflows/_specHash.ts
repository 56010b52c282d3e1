/** The hash a saved plan carries of the spec it was made from. @internal */
import { builtin } from '@wif/http';
import type { ResolvedSpec } from '../spec/load';

/** JSON with object keys sorted, so that the hash does not depend on key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * `sha256:{hex}` of the resolved spec (every connection spelled out), key order aside. `node:crypto`
 * is loaded on first use: a plan reads its hash only to be saved or checked.
 */
export function specHash(spec: ResolvedSpec): string {
  return `sha256:${builtin('node:crypto').createHash('sha256').update(canonical(spec)).digest('hex')}`;
}
