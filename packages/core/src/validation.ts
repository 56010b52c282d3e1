/**
 * Input validation, shared by every step and the spec loader. Every check runs before any request;
 * a failure is a `Validation` error listing every problem with its path, and nothing is sent.
 *
 * Strings are never trimmed silently: issuer and subject matching is exact, so a stray space is an
 * error the user must see, not something we paper over.
 */
import { parseScope } from '@wif/arm';
import { type Problem, validationError, type ValidationError } from '@wif/http';
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow';
import * as z from 'zod';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Whether `value` is a GUID in the 8-4-4-4-12 form, without braces or whitespace. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

const noStrayWhitespace = (s: string): boolean => s === s.trim();

/**
 * Characters no spec or step string may hold: C0 and C1 controls and DEL (`\p{Cc}`: newlines that
 * would start an Azure Pipelines `##vso[` line, ESC that starts a terminal escape), format characters
 * (`\p{Cf}`: bidi embeddings, overrides and isolates, zero-width spaces and joiners, the BOM, soft
 * hyphen) and the line and paragraph separators. Each makes a name print as something it is not.
 */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The first control or invisible formatting character of `s`, as `U+XXXX at index`, or `undefined`. */
export function findUnsafeCharacter(s: string): string | undefined {
  const m = UNSAFE_CHARACTER.exec(s);
  if (!m) return undefined;
  const code = m[0].codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} at ${m.index}`;
}

const UNSAFE_MESSAGE = 'contains a control or invisible formatting character (newline, escape, bidi override, zero-width, …)';
const noUnsafeCharacter = (s: string): boolean => findUnsafeCharacter(s) === undefined;

/**
 * One problem per string anywhere in `value` (object keys included) that holds a control or
 * invisible formatting character: every string of a spec is checked, not only the named fields.
 */
export function unsafeStringProblems(value: unknown, path = ''): Problem[] {
  const problems: Problem[] = [];
  const walk = (v: unknown, at: string, depth: number): void => {
    if (depth > 64) return;
    if (typeof v === 'string') {
      const where = findUnsafeCharacter(v);
      if (where) problems.push({ path: at, message: `${UNSAFE_MESSAGE}: ${where}` });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const keyAt = at === '' ? k : `${at}.${k}`;
        const where = findUnsafeCharacter(k);
        if (where) problems.push({ path: at, message: `a field name ${UNSAFE_MESSAGE}: ${where}` });
        else walk(x, keyAt, depth + 1);
      }
    }
  };
  walk(value, path, 0);
  return problems;
}

/** One rule of a string: a test, and the message of the issue when it fails. */
type Rule = readonly [test: (s: string) => boolean, message: string];

/**
 * A string checked against `rules` in order: each rule that fails adds an issue with its message,
 * as a chain of `.refine()`s would, in one check. Each `.refine()` builds two schemas (the check, and
 * a copy of the schema with it), and these are built each time wif starts (docs/performance.md).
 */
function ruledString(rules: readonly Rule[]) {
  return z.string({ error: 'must be a string' }).superRefine((s, ctx) => {
    for (const [test, message] of rules) if (!test(s)) ctx.addIssue({ code: 'custom', message });
  });
}

const STRAY_WHITESPACE: Rule = [noStrayWhitespace, 'has leading or trailing whitespace'];
const UNSAFE: Rule = [noUnsafeCharacter, UNSAFE_MESSAGE];
const lengthRule = (max: number): Rule => [(s) => s.length >= 1 && s.length <= max, `must be 1 to ${max} characters`];

/** A GUID (tenant, subscription, app, object id). */
export const guidSchema = ruledString([
  STRAY_WHITESPACE,
  [(s) => s.trim() === '' || isGuid(s.trim()), 'is not a GUID (expected 8-4-4-4-12 hex digits)'],
  [(s) => s.trim() !== '', 'is empty'],
]);

/**
 * An Azure DevOps organization name: letters, digits and hyphens, starting and ending with a letter
 * or digit, at most 50 characters (the limits the Azure DevOps sign-up form enforces).
 */
export const organizationSchema = z
  .string({ error: 'must be a string' })
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/,
    'is not an Azure DevOps organization name (letters, digits, hyphens; at most 50)',
  );

/**
 * An Azure DevOps project name or id. Names: at most 64 characters, none of `\ / : * ? " < > | ; # $ { } , + = [ ]`,
 * not starting with `_` or `.`, not ending with `.` (Azure DevOps naming restrictions).
 */
export const projectSchema = ruledString([
  STRAY_WHITESPACE,
  lengthRule(64),
  UNSAFE,
  [(s) => !/[\\/:*?"<>|;#${},+=[\]\u0000-\u001f]/.test(s), 'contains a character Azure DevOps does not allow in project names'],
  [(s) => !/^[_.]/.test(s) && !/\.$/.test(s), 'must not start with "_" or "." or end with "."'],
]);

/** A display name: 1–256 characters, no control characters, no leading/trailing whitespace. */
export const displayNameSchema = ruledString([STRAY_WHITESPACE, lengthRule(256), UNSAFE]);

/** A service connection name: a display name without commas. */
export const connectionNameSchema = ruledString([
  STRAY_WHITESPACE,
  lengthRule(256),
  UNSAFE,
  // The by-name lookup (`endpointNames=a,b`) splits on commas: such a name could never be found again.
  [(s) => !s.includes(','), 'must not contain a comma'],
]);

/** A Graph `uniqueName` (wif's natural key for apps): 1–120 of letters, digits, `.`, `_`, `-`. */
export const uniqueNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/, 'must be 1–120 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A federated identity credential name (docs/reference/graph.md §5): 3–120, alphanumeric first, then alphanumerics, `-`, `_`. */
export const credentialNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/, 'must be 3–120 characters: a letter or digit, then letters, digits, "-" or "_"');

const EXACT_WHITESPACE: Rule = [noStrayWhitespace, 'has leading or trailing whitespace (the exchange would fail)'];

/** An issuer: an absolute https URL of at most 600 characters, exactly as the token's `iss`. */
export const issuerSchema = ruledString([
  EXACT_WHITESPACE,
  lengthRule(600),
  UNSAFE,
  [
    (s) => {
      try {
        const u = new URL(s);
        return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(u.hostname));
      } catch {
        return false;
      }
    },
    'is not an absolute https URL',
  ],
]);

/** A subject: 1–600 characters, no whitespace at either end, no wildcards (docs/reference/graph.md §5). */
export const subjectSchema = ruledString([
  EXACT_WHITESPACE,
  lengthRule(600),
  UNSAFE,
  [(s) => !s.includes('*'), 'must not contain wildcards: matching is exact'],
]);

/** A role: a role name (Contributor, Reader, a custom role) or a role definition GUID. */
export const roleNameSchema = ruledString([
  [(s) => s === s.trim() && s.length > 0 && s.length <= 512, 'must be a role name or GUID without stray whitespace'],
  UNSAFE,
]);

/** An ARM scope (management group, subscription, resource group or resource). */
export const scopeSchema = z.string({ error: 'must be a string' }).superRefine((s, ctx) => {
  const parsed = parseScope(s);
  if (parsed.isErr()) {
    for (const p of parsed.error.problems) ctx.addIssue({ code: 'custom', message: p.message });
  }
});

/** Formats a zod path as `connections[2].scope`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Converts zod issues into problems, each with its path. */
export function problemsFromZod(error: z.ZodError, prefix = ''): Problem[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path, prefix);
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
    return { path, message };
  });
}

/** Parses `input` with `schema`; every problem at once, or the typed value. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): Result<z.output<S>, ValidationError> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return err(validationError(problemsFromZod(parsed.error, prefix)));
}

/**
 * A step's public entry: validates `input`, then runs `run` with the parsed value. Bad input is a
 * `Validation` error and `run` never starts, so nothing is sent. The workflows call the step's
 * `…Validated` form directly with input they have already checked.
 */
export function validated<S extends z.ZodType, T, E>(
  schema: S,
  input: unknown,
  run: (value: z.output<S>) => ResultAsync<T, E>,
): ResultAsync<T, E | ValidationError> {
  const valid = validate(schema, input);
  return valid.isErr() ? errAsync(valid.error) : run(valid.value);
}
