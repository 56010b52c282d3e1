/**
 * The `yaml` package, loaded on first use and synchronously (the spec functions are synchronous):
 * a JSON spec never needs it, and loading it costs a `wif` start-up tens of milliseconds.
 *
 * `require('yaml')` where there is a `require`: the CommonJS build, and the bundled `wif` (which
 * bundles yaml, or defines a `require`). The ESM build has none (the bundler's stand-in throws): it
 * makes one for this file with `createRequire`.
 */
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

export function yaml(): Yaml {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, synchronously (see above)
      loaded = require('yaml') as Yaml;
    } catch {
      loaded = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)('yaml') as Yaml;
    }
  }
  return loaded;
}
