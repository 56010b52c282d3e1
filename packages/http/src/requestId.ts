/**
 * The `x-ms-client-request-id` of a request: a random (version 4) UUID that correlates wif's
 * request with the service's logs. It identifies, it does not protect: nothing is granted to whoever
 * guesses one, so it is drawn from `Math.random` (V8 seeds it from the operating system) rather than
 * `node:crypto`. Loading node:crypto costs ~10 ms at start-up, and the first request of a `wif` run
 * needs an id before anything else wants that module (docs/decisions/028-the-critical-path-holds-only-requests.md).
 * The Azure SDK for JavaScript falls back to `Math.random` for the same id where Web Crypto is absent
 * (`generateUUID` in @azure/core-util).
 */
export function newRequestId(): string {
  const a = word();
  const b = word();
  const c = word();
  const d = word();
  // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx (RFC 9562 §5.4): version 4, variant 10.
  return `${hex(a, 8)}-${hex(b >>> 16, 4)}-${hex((b & 0x0fff) | 0x4000, 4)}-${hex(((c >>> 16) & 0x3fff) | 0x8000, 4)}-${hex(c & 0xffff, 4)}${hex(d, 8)}`;
}

const word = (): number => (Math.random() * 0x1_0000_0000) >>> 0;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
