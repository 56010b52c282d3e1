/**
 * The Node.js versions `wif` runs on. `engines.node` of every published package says the same
 * (a test checks it). Kept free of imports and of syntax newer than Node 12, because the executable
 * runs it before anything else: an older Node must get this message, not a syntax or import error.
 */

/** The oldest Node.js major version `wif` supports. */
export const MIN_NODE_MAJOR = 22;

/** The message for a Node.js that is too old, or `undefined` when `version` (e.g. `20.19.2`) will do. */
export function nodeTooOld(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? Number.NaN);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return `wif needs Node.js ${MIN_NODE_MAJOR} or newer (found ${version.replace(/^v/, '')}).`;
}
