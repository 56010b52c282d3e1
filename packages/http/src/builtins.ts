/**
 * Node built-in modules loaded on first use.
 */
import type crypto from 'node:crypto';
import type diagnostics from 'node:diagnostics_channel';
import type http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import type net from 'node:net';
import type zlib from 'node:zlib';

/**
 * A built-in module loaded on first use: `node:https` (with `node:tls` and crypto) only for an
 * https URL, `node:zlib` only for a compressed answer. The emulator is plain HTTP and answers
 * uncompressed, so a `wif` run against it loads neither. `node:http` too, though every client
 * needs it: imported as an ES module, Node builds its namespace and, in doing so, loads its own
 * `fetch` (undici and web streams: ~30 ms of importing `@wif/core` on this machine, measured
 * before and after in docs/decisions/039-node-http-not-imported-as-an-es-module.md); loaded by
 * `getBuiltinModule` or `require`, it does not.
 */
interface LazyBuiltins {
  'node:http': typeof http;
  'node:https': typeof https;
  'node:zlib': typeof zlib;
  'node:tls': typeof import('node:tls');
  'node:net': typeof net;
  'node:diagnostics_channel': typeof diagnostics;
  'node:crypto': typeof crypto;
}

/** A built-in module loaded on first use (not at import: a run against the plain-HTTP emulator loads no TLS code). @internal */
export function builtin<K extends keyof LazyBuiltins>(id: K): LazyBuiltins[K] {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get === 'function') return get(id) as LazyBuiltins[K];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- Node < 22.3 has no getBuiltinModule
    return require(id) as LazyBuiltins[K];
  } catch {
    return createRequire(typeof __filename === 'string' ? __filename : import.meta.url)(id) as LazyBuiltins[K];
  }
}
