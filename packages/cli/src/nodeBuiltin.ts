/**
 * One of Node's built-in modules, taken from Node itself (`process.getBuiltinModule`, else
 * `require`) rather than imported. In the executable an import of a built-in becomes a wrapper:
 * a static one copies every export (`node:util`: 33 more of Node's internal modules loaded at every
 * start), and a dynamic one has a default export only, so named members taken from it are
 * `undefined` (decision 042; the e2e test "import no built-in dynamically").
 */
interface Builtins {
  'node:readline': typeof import('node:readline');
  'node:util': typeof import('node:util');
}

export function nodeBuiltin<K extends keyof Builtins>(id: K): Builtins[K] {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  return (
    typeof get === 'function'
      ? get(id)
      : // eslint-disable-next-line @typescript-eslint/no-require-imports -- Node < 22.3 has no getBuiltinModule; the bundle defines require
        require(id)
  ) as Builtins[K];
}
