/** The hash a saved plan carries of the spec it was made from. @internal */
import type { createHash as CreateHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ResolvedSpec } from '../spec/load';

/**
 * `node:crypto`'s `createHash`, loaded on first use: a plan reads its hash only to be saved or
 * checked, and loading `node:crypto` costs every `wif plan` ~3 ms it would not use.
 */
function createHash(algorithm: string): ReturnType<typeof CreateHash> {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const crypto = (
    typeof get === 'function'
      ? get('node:crypto')
      : createRequire(typeof __filename === 'string' ? __filename : import.meta.url)('node:crypto')
  ) as typeof import('node:crypto');
  return crypto.createHash(algorithm);
}

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

/** `sha256:{hex}` of the resolved spec (every connection spelled out), key order aside. */
export function specHash(spec: ResolvedSpec): string {
  return `sha256:${createHash('sha256').update(canonical(spec)).digest('hex')}`;
}
