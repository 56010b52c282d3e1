/**
 * V8 code caches for the executable's chunks, made after a run rather than before it.
 *
 * Node's module compile cache (`module.enableCompileCache()`, bin.ts) keeps what V8 compiled when it
 * compiled a file: its top level and the few functions V8 compiles eagerly. Every other function is
 * compiled again, in every run, the first time it is called: for `wif plan`, ~700 functions, most of
 * the CLI's own start-up work once the files are read. A cache made with `vm.Script`'s
 * `createCachedData()` *after* the run holds every function that ran, so the next run of the same
 * command compiles (almost) nothing. ES modules have no such cache, which is one reason the executable
 * is CommonJS (tsup.commonjs.ts; docs/decisions/042-the-executable-is-commonjs-with-a-code-cache.md).
 *
 * Only the executable's own chunks (`dist/chunks/*.cjs`) are loaded this way; any other file goes to
 * Node's loader. A chunk runs as Node's loader would run it (the same wrapper, `module`,
 * `__filename`, `__dirname`, line numbers, and a `require` that resolves from the chunks'
 * directory, one shared by all of them); a cache that does not match (another Node, other
 * V8 flags, another build, a file changed since) is not used: the chunk is compiled from its source,
 * and cached again at exit.
 *
 * Where: beside Node's compile cache (so `NODE_DISABLE_COMPILE_CACHE=1` and `NODE_COMPILE_CACHE` move
 * or turn off both), in `wif/<node>-<arch>-<install>/<command>/`: one set per command, because a cache
 * holds the functions of the run that made it. V8 checks a cache against the source's length, not its
 * content, and runs what it holds, so a cache is read only from directories that nobody else can write
 * (checked before the first read and again before writing; on Windows the directory is the user's own
 * temporary directory).
 */
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** What happened to one chunk's cache in this run. */
export interface ChunkLoad {
  readonly chunk: string;
  /**
   * `used`: V8 took the cache. Compiled from source: `none`, there was none (or it could not be
   * read); `stale`, it was made from the file before it was last written (or from another file of
   * that name); `rejected`, V8 refused it (another Node or other V8 flags).
   */
  readonly cache: 'used' | 'none' | 'stale' | 'rejected';
}

export interface CodeCache {
  /** The cache directory of this command. */
  readonly dir: string;
  /** Each chunk loaded through the cache so far, in order (none when the directory is not private). */
  readonly loads: readonly ChunkLoad[];
}

type CommonJsLoader = (mod: NodeJS.Module, filename: string) => void;
type CommonJsWrapper = (
  this: unknown,
  exports: unknown,
  require: NodeJS.Require,
  mod: NodeJS.Module,
  filename: string,
  dirname: string,
) => void;

// Node's own CommonJS wrapper, with the function's header on a line of its own so that the chunk's
// lines and columns are the file's (lineOffset -1): stack traces and source maps point where they did.
const HEADER = '(function (exports, require, module, __filename, __dirname) {\n';
const IDENTITY_BYTES = 40;

/** The directory of one command's caches for the chunks in `chunksDir`, under `cacheRoot`. */
export function codeCacheDir(cacheRoot: string, chunksDir: string, command: string): string {
  const name = /^[a-z][a-z-]{0,31}$/.test(command) ? command : '_';
  return path.join(cacheRoot, 'wif', `${process.version}-${process.arch}-${fnv1a(chunksDir)}`, name);
}

/**
 * Loads the `.cjs` files of `chunksDir` with the code caches of `command` under `cacheRoot` from now
 * on, and writes what is missing when the process exits.
 */
export function useCodeCache(chunksDir: string, cacheRoot: string, command: string): CodeCache {
  const dir = codeCacheDir(cacheRoot, chunksDir, command);
  const extensions = (module as unknown as { _extensions: Record<string, CommonJsLoader> })._extensions;
  // Node loads a .cjs file with its .js loader unless a loader is registered for .cjs.
  const nodeLoader = extensions['.cjs'] ?? extensions['.js'];
  if (nodeLoader === undefined) throw new Error('Node has no CommonJS loader');
  const loads: ChunkLoad[] = [];
  const unwritten: { file: string; script: vm.Script; identity: Buffer }[] = [];
  let readable: boolean | undefined;
  let requireFromChunks: NodeJS.Require | undefined;

  const loader: CommonJsLoader = (mod, filename) => {
    // Anything else, every chunk when the cache lies where someone else could write, and every chunk
    // when source maps are on (`--enable-source-maps`: Node maps the stack traces of the files its
    // loader compiles, not of a vm.Script): Node's loader, with Node's own compile cache (bin.ts).
    readable ??= isPrivate(dir, cacheRoot) && !process.sourceMapsEnabled;
    if (!readable || path.dirname(filename) !== chunksDir) {
      nodeLoader(mod, filename);
      return;
    }
    const chunk = path.basename(filename);
    const file = path.join(dir, `${chunk}.v8`);
    // V8 checks a cache against the source's length only: a file changed in place to the same length
    // would run the old code. Each cache starts with the identity of the file it was made from (device,
    // inode, size, modification and change times in nanoseconds; any write changes the change time).
    // Not a hash of the content: node:crypto alone costs `wif --version` ~4 ms.
    const identity = fileIdentity(filename);
    const stored = readIfExists(file);
    const fresh = stored !== undefined && stored.length > IDENTITY_BYTES && identity.equals(stored.subarray(0, IDENTITY_BYTES));
    const script = new vm.Script(`${HEADER}${fs.readFileSync(filename, 'utf8')}\n})`, {
      filename,
      lineOffset: -1,
      // An `import()` in a chunk (the build turns those between chunks into `require`s; a dependency
      // may still have one) resolves as it would in a file Node loaded.
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      ...(fresh ? { cachedData: stored.subarray(IDENTITY_BYTES) } : {}),
    });
    const cache = stored === undefined ? 'none' : !fresh ? 'stale' : script.cachedDataRejected === true ? 'rejected' : 'used';
    loads.push({ chunk, cache });
    if (cache !== 'used') unwritten.push({ file, script, identity });
    const wrapper = script.runInThisContext() as CommonJsWrapper;
    // One `require` for every chunk: they all live in `chunksDir`, and a `require` resolves from its
    // file's directory, so each would be the same function (making one per chunk cost ~2 ms a run).
    requireFromChunks ??= module.createRequire(filename);
    wrapper.call(mod.exports, mod.exports, requireFromChunks, mod, filename, chunksDir);
  };

  // At exit: the cache of every chunk that had none or had it refused, with every function compiled
  // so far. Never throws (a cache that cannot be written only makes the next run slower).
  const write = (): void => {
    if (unwritten.length === 0) return;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!isPrivate(dir, cacheRoot)) return;
      for (const { file, script, identity } of unwritten.splice(0)) {
        // Written whole, then renamed: another wif starting now reads the old file or the new one.
        const partial = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(partial, Buffer.concat([identity, script.createCachedData()]), { mode: 0o600 });
        fs.renameSync(partial, file);
      }
      // The caches of chunks this installation no longer has (an upgrade in place).
      const chunks = new Set(fs.readdirSync(chunksDir));
      for (const name of fs.readdirSync(dir)) {
        if (name.endsWith('.v8') && !chunks.has(name.slice(0, -'.v8'.length))) fs.rmSync(path.join(dir, name), { force: true });
      }
    } catch {
      // Read-only or full disk, a directory removed meanwhile: the next run compiles from source.
    }
  };

  extensions['.cjs'] = loader;
  process.on('exit', write);
  return { dir, loads };
}

/** What changes when a file is written, moved or replaced: 40 bytes. */
function fileIdentity(file: string): Buffer {
  const s = fs.statSync(file, { bigint: true });
  return Buffer.from(BigUint64Array.of(s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs).buffer);
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * True when no other user can put a file into `dir`: every directory from `dir` up to the cache
 * root's `wif` directory that exists is ours and writable by us alone, and the cache root is ours
 * and not writable by everyone. On Windows, true: there the cache root is by default in the user's
 * own temporary directory, and files carry no Unix owner to check.
 */
export function isPrivate(dir: string, cacheRoot: string): boolean {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  const uid = process.getuid();
  const ours = path.join(cacheRoot, 'wif');
  try {
    for (let d = dir; ; d = path.dirname(d)) {
      const s = statIfExists(d);
      if (s !== undefined && (s.uid !== uid || (s.mode & 0o022) !== 0)) return false;
      if (d === ours || d === path.dirname(d)) break;
    }
    const root = fs.statSync(cacheRoot);
    return root.uid === uid && (root.mode & 0o002) === 0;
  } catch {
    return false;
  }
}

function statIfExists(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A short, stable tag for a path (FNV-1a, 32 bits): one cache per installation of wif. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
