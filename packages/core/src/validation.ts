/**
 * Input validation, shared by every step and the spec loader. Every check runs before any request;
 * a failure is a `Validation` error listing every problem with its path, and nothing is sent.
 *
 * Strings are never trimmed silently: issuer and subject matching is exact, so a stray space is an
 * error the user must see, not something we paper over.
 */
import { parseScope } from '@wif/arm';
import { type Problem, validationError, type ValidationError } from '@wif/http';
import { err, ok, type Result } from 'neverthrow';
import { z } from 'zod';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Whether `value` is a GUID in the 8-4-4-4-12 form, without braces or whitespace. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

const noStrayWhitespace = (s: string): boolean => s === s.trim();

/** A GUID (tenant, subscription, app, object id). */
export const guidSchema = z
  .string({ error: 'must be a string' })
  .refine(noStrayWhitespace, 'has leading or trailing whitespace')
  .refine((s) => s.trim() === '' || isGuid(s.trim()), 'is not a GUID (expected 8-4-4-4-12 hex digits)')
  .refine((s) => s.trim() !== '', 'is empty');

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
export const projectSchema = z
  .string({ error: 'must be a string' })
  .refine(noStrayWhitespace, 'has leading or trailing whitespace')
  .refine((s) => s.length >= 1 && s.length <= 64, 'must be 1 to 64 characters')
  .refine((s) => !/[\\/:*?"<>|;#${},+=[\]\u0000-\u001f]/.test(s), 'contains a character Azure DevOps does not allow in project names')
  .refine((s) => !/^[_.]/.test(s) && !/\.$/.test(s), 'must not start with "_" or "." or end with "."');

/** A display name: 1–256 characters, no control characters, no leading/trailing whitespace. */
export const displayNameSchema = z
  .string({ error: 'must be a string' })
  .refine(noStrayWhitespace, 'has leading or trailing whitespace')
  .refine((s) => s.length >= 1 && s.length <= 256, 'must be 1 to 256 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'contains a control character');

/** A service connection name: a display name without commas. */
export const connectionNameSchema = z
  .string({ error: 'must be a string' })
  .refine(noStrayWhitespace, 'has leading or trailing whitespace')
  .refine((s) => s.length >= 1 && s.length <= 256, 'must be 1 to 256 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'contains a control character')
  // The by-name lookup (`endpointNames=a,b`) splits on commas: such a name could never be found again.
  .refine((s) => !s.includes(','), 'must not contain a comma');

/** A Graph `uniqueName` (wif's natural key for apps): 1–120 of letters, digits, `.`, `_`, `-`. */
export const uniqueNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/, 'must be 1–120 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A federated identity credential name (graph.md §5): 3–120, alphanumeric first, then alphanumerics, `-`, `_`. */
export const credentialNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/, 'must be 3–120 characters: a letter or digit, then letters, digits, "-" or "_"');

/** An issuer: an absolute https URL of at most 600 characters, exactly as the token's `iss`. */
export const issuerSchema = z
  .string({ error: 'must be a string' })
  .refine(noStrayWhitespace, 'has leading or trailing whitespace (the exchange would fail)')
  .refine((s) => s.length >= 1 && s.length <= 600, 'must be 1 to 600 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(u.hostname));
    } catch {
      return false;
    }
  }, 'is not an absolute https URL');

/** A subject: 1–600 characters, no whitespace at either end, no wildcards (graph.md §5). */
export const subjectSchema = z
  .string({ error: 'must be a string' })
  .refine(noStrayWhitespace, 'has leading or trailing whitespace (the exchange would fail)')
  .refine((s) => s.length >= 1 && s.length <= 600, 'must be 1 to 600 characters')
  .refine((s) => !s.includes('*'), 'must not contain wildcards: matching is exact');

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
