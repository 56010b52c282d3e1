/**
 * Spec problems people can act on: each names the path, what was expected and what was found,
 * offers the closest valid key for a misspelt one, and (when the spec came from a file) the
 * `file:line:column` of the offending node, taken from the YAML parser's source ranges.
 */
import { closestName, type Problem, type SourceLocation } from '@wif/http';
import type { Document, LineCounter } from 'yaml';
import type * as z from 'zod';
import { yaml } from '../_internal/lazyYaml';
import { formatPath } from '../validation';

type Segment = string | number;

/** What each union of the spec accepts, said once in words (zod alone says "Invalid input"). */
const UNION_EXPECTED: Readonly<Record<string, string>> = {
  pipelines: 'a list of pipeline ids (whole numbers above 0), or { all: true }',
  app: 'an app display name (a string), { displayName, uniqueName }, or { appId } of an existing app registration',
  readonly: 'false (no prod-readonly connection), or { pipelines: [ids] }',
  roles: 'a role name (a string), or { role, scope, allowPrivileged }',
  target: 'a subscription or management-group target (see the JSON Schema: target)',
};

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  null: 'null',
};

/** Whether a problem is about a key itself (unknown, misspelt) rather than its value. */
export const isKeyProblem = (p: Problem): boolean => p.found?.startsWith('the key "') === true;

/** How a value reads in a message: `the string "101"`, `the number 42`, `true`, `a list of 2`, `nothing`. */
export function describeFound(value: unknown, present: boolean): string {
  if (!present || value === undefined) return 'nothing (the key is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty mapping' : `a mapping with ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}`;
  }
  return typeof value;
}

function valueAt(root: unknown, path: readonly Segment[]): { present: boolean; value: unknown } {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return { present: false, value: undefined };
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return { present: true, value: cur };
}

interface ZodDefLike {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  /** `z.lazy`: the schema it stands for. */
  readonly getter?: () => z.ZodType;
}
const defOf = (s: z.ZodType): ZodDefLike => (s as unknown as { _zod: { def: ZodDefLike } })._zod.def;

/** The schemas that may apply at `path` (several inside a union). */
function schemasAt(schema: z.ZodType, path: readonly Segment[]): z.ZodType[] {
  const unwrap = (s: z.ZodType): z.ZodType[] => {
    const d = defOf(s);
    if ((d.type === 'optional' || d.type === 'nullable' || d.type === 'default') && d.innerType) return unwrap(d.innerType);
    if (d.type === 'pipe' && d.in) return unwrap(d.in);
    if (d.type === 'lazy' && d.getter) return unwrap(d.getter());
    if (d.type === 'union' && d.options) return d.options.flatMap(unwrap);
    return [s];
  };
  let current = unwrap(schema);
  for (const seg of path) {
    current = current.flatMap((s) => {
      const d = defOf(s);
      if (typeof seg === 'number') return d.type === 'array' && d.element ? unwrap(d.element) : [];
      const next = d.type === 'object' ? d.shape?.[seg] : undefined;
      return next ? unwrap(next) : [];
    });
  }
  return current;
}

/** The keys an object at `path` may have (from every union branch that is an object). */
function keysAt(schema: z.ZodType, path: readonly Segment[]): string[] {
  return [...new Set(schemasAt(schema, path).flatMap((s) => Object.keys(defOf(s).type === 'object' ? (defOf(s).shape ?? {}) : {})))];
}

function describedAt(schema: z.ZodType, path: readonly Segment[]): string | undefined {
  for (const s of schemasAt(schema, path)) if (s.description) return s.description.replace(/\.$/, '');
  return undefined;
}

const lastKey = (path: readonly Segment[]): string | undefined => [...path].reverse().find((s): s is string => typeof s === 'string');

function problem(path: readonly Segment[], expected: string, found: string, extra: Partial<Problem> = {}): Problem {
  return { path: formatPath(path as PropertyKey[]), message: `expected ${expected}, found ${found}`, expected, found, ...extra };
}

/**
 * Converts zod issues of the spec schema into problems with expected/found/suggestion. `input` is
 * the parsed spec the issues are about.
 */
export function specProblems(error: z.ZodError, input: unknown, schema: z.ZodType): Problem[] {
  const out: Problem[] = [];
  const visit = (issue: z.core.$ZodIssue, prefix: readonly Segment[]): void => {
    const path = [...prefix, ...(issue.path as Segment[])];
    const { present, value } = valueAt(input, path);
    const found = describeFound(value, present);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = keysAt(schema, path);
        for (const key of issue.keys) {
          const suggestion = closestName(key, known);
          out.push({
            path: formatPath([...path, key] as PropertyKey[]),
            message: `unknown key "${key}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (expected one of: ${known.join(', ')})`,
            expected: `one of: ${known.join(', ')}`,
            found: `the key "${key}"`,
            ...(suggestion ? { suggestion } : {}),
          });
        }
        return;
      }
      case 'invalid_union': {
        // A branch whose issues are all inside the value took the value's type: its issues are the real ones.
        const inside = issue.errors
          .filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0))
          .sort((a, b) => a.length - b.length)[0];
        if (inside) {
          for (const i of inside) visit(i, path);
          return;
        }
        const key = lastKey(path);
        const expected =
          (key ? UNION_EXPECTED[key] : undefined) ??
          [
            ...new Set(
              issue.errors.flatMap((b) => b.map((i) => (i.code === 'invalid_type' ? (TYPE_WORDS[i.expected] ?? i.expected) : i.message))),
            ),
          ].join(', or ');
        out.push(problem(path, expected, found));
        return;
      }
      case 'invalid_type': {
        const words = TYPE_WORDS[issue.expected] ?? issue.expected;
        if (!present) {
          const what = describedAt(schema, path);
          out.push(
            problem(path, `${words}${what ? ` (${what})` : ''}`, found, {
              message: `is required: expected ${words}${what ? ` (${what})` : ''}, found ${found}`,
            }),
          );
          return;
        }
        out.push(problem(path, words, found));
        return;
      }
      case 'invalid_value':
        out.push(problem(path, issue.values.map((v) => JSON.stringify(v)).join(' or '), found));
        return;
      default: {
        // Refinements and bounds carry their own wording ("must be a positive pipeline id").
        const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
        out.push({
          path: formatPath(path as PropertyKey[]),
          message: scalar && present ? `${issue.message}, found ${found}` : issue.message,
          expected: issue.message,
          found,
        });
      }
    }
  };
  for (const issue of error.issues) visit(issue, []);
  return out;
}

/** `connections[2].roles[0]` → `['connections', 2, 'roles', 0]`. */
export function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  return out;
}

/** A parsed spec file that can say where a path is. */
export interface SpecDocument {
  readonly value: unknown;
  /**
   * The location of the node at `path` (of its key with `key`: an unknown key is the key's fault, a
   * wrong value the value's), or of its closest existing ancestor.
   */
  locate(path: string, options?: { readonly key?: boolean }): SourceLocation | undefined;
}

function locator(doc: Document.Parsed, lines: LineCounter, source: string): SpecDocument['locate'] {
  const { isMap, isScalar } = yaml();
  const at = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    return { source, line, column: col };
  };
  return (pathText, options = {}) => {
    const path = parsePath(pathText);
    for (let n = options.key ? path.length - 1 : path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (options.key && n === path.length - 1) {
        const key = path[n];
        if (isMap(node) && typeof key === 'string') {
          const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
          const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
          if (range) return at(range[0]);
        }
      }
      if (node?.range && n > 0) return at(node.range[0]);
      if (n === 0) return doc.contents?.range ? at(doc.contents.range[0]) : { source, line: 1, column: 1 };
    }
    return undefined;
  };
}

/** Parses spec text (YAML, or JSON, which YAML reads too) keeping source ranges. */
export function parseSpecDocument(
  text: string,
  source: string,
  onWarning?: (message: string) => void,
): { ok: true; doc: SpecDocument } | { ok: false; problem: Problem } {
  const { LineCounter, parseDocument, YAMLParseError } = yaml();
  const lines = new LineCounter();
  // parseDocument, not parse: parse() hands warnings to process.emitWarning (raw spec text on stderr).
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  // An unknown tag (`!evil`) is a warning to YAML (TAG_RESOLVE_FAILED); to wif it is an error.
  const first = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (first) {
    const pos = first instanceof YAMLParseError ? first.linePos?.[0] : undefined;
    return {
      ok: false,
      problem: {
        path: '',
        message: `not valid YAML or JSON: ${first.message.split('\n')[0] ?? 'parse error'}`,
        expected: 'YAML or JSON',
        found: first.code,
        location: { source, line: pos?.line ?? 1, column: pos?.col ?? 1 },
      },
    };
  }
  for (const w of doc.warnings) onWarning?.(`${source}: ${w.message.split('\n')[0] ?? w.code}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return {
      ok: false,
      problem: { path: '', message: `cannot be read: ${(e as Error).message}`, location: { source, line: 1, column: 1 } },
    };
  }
  return { ok: true, doc: { value, locate: locator(doc, lines, source) } };
}
