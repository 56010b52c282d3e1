/**
 * An object built the first time it is used: a stand-in with the same type whose every operation
 * (property read, `in`, keys, prototype, assignment) is forwarded to the object, built once.
 */
export function deferred<T extends object>(build: () => T): T {
  let real: T | undefined;
  const target = (): T => {
    if (real === undefined) {
      real = build();
      made.add(standIn);
    }
    return real;
  };
  const standIn = new Proxy(Object.create(null) as T, {
    get: (_, p) => Reflect.get(target(), p),
    has: (_, p) => Reflect.has(target(), p),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, p) => {
      const d = Reflect.getOwnPropertyDescriptor(target(), p);
      return d === undefined ? undefined : { ...d, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
    set: (_, p, v) => Reflect.set(target(), p, v),
    defineProperty: (_, p, d) => Reflect.defineProperty(target(), p, d),
    deleteProperty: (_, p) => Reflect.deleteProperty(target(), p),
  });
  builders.set(standIn, target);
  return standIn;
}

const builders = new WeakMap<object, () => object>();
/** The stand-ins whose object has been built. */
const made = new WeakSet<object>();

/**
 * The object behind a {@link deferred} stand-in, built now if it was not yet; any other value as it
 * is. For a schema built inside another's builder: zod then holds the schema itself, and parsing does
 * not go through the stand-in for every element of a list.
 */
export function built<T>(value: T): T {
  const build = typeof value === 'object' && value !== null ? builders.get(value) : undefined;
  return build === undefined ? value : (build() as T);
}

/**
 * Whether the object behind a {@link deferred} stand-in has been built yet (`true` for any other
 * value): what tests of start-up read, to show that a command does not build what it does not use.
 *
 * @internal
 */
export function isBuilt(value: object): boolean {
  return builders.has(value) ? made.has(value) : true;
}
