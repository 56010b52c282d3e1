/**
 * Redaction: the last line of defence between a secret and a log line, an error or JSON output.
 *
 * Two mechanisms, both applied by {@link redact}:
 * 1. every secret value the transport has handled (access tokens, PATs, client assertions) is
 *    registered with {@link registerSecret} and replaced wherever it appears, whatever its shape;
 * 2. shapes that are secrets wherever they come from: JWTs, `Bearer`/`Basic` credentials, Entra
 *    client secrets, and the values of secret-named fields (`serviceprincipalkey`, `client_secret`,
 *    `access_token`, `password`, …) in JSON, XML, form, query and `name: value` text.
 *
 * Long-lived secrets (a PAT, which has no recognisable shape) are pinned and never forgotten;
 * short-lived tokens rotate through a bounded set, oldest out first (an evicted token has expired
 * or is about to, and still matches the JWT shape when it is one).
 *
 * Callers that shorten text must redact first and cut afterwards: a secret cut in two matches
 * neither its registered value nor its shape.
 */

const REDACTED = '[REDACTED]';
const MAX_ROTATING = 512;
const rotating = new Set<string>();
const pinned = new Set<string>();

/** How a secret is remembered by {@link registerSecret}. */
export interface RegisterSecretOptions {
  /**
   * A long-lived secret (a PAT, a client secret): kept for the life of the process, never evicted
   * however many short-lived tokens are registered after it. Default `false`.
   */
  readonly pinned?: boolean;
}

/**
 * Remembers a secret value so that {@link redact} removes it from any text later.
 * Values shorter than 8 characters are ignored (they would redact ordinary words).
 * Short-lived values (access tokens) rotate through a set of 512; `pinned` ones are never evicted.
 */
export function registerSecret(value: string | undefined | null, options: RegisterSecretOptions = {}): void {
  if (!value || value.length < 8) return;
  if (options.pinned === true) {
    rotating.delete(value);
    pinned.add(value);
    return;
  }
  if (pinned.has(value) || rotating.has(value)) return;
  if (rotating.size >= MAX_ROTATING) {
    const oldest = rotating.values().next().value;
    if (oldest !== undefined) rotating.delete(oldest);
  }
  rotating.add(value);
}

/** Field names whose values are secrets wherever they appear. Matched case-insensitively. */
export const SECRET_FIELD_NAMES = [
  'serviceprincipalkey',
  'servicePrincipalCertificate',
  'certificate',
  'client_secret',
  'clientSecret',
  'client_assertion',
  'clientAssertion',
  'access_token',
  'accessToken',
  'refresh_token',
  'id_token',
  'oidcToken',
  'password',
  'secretText',
  'secret',
  'token',
  'authorization',
  'apitoken',
  'pat',
  // the signature of an Azure Storage SAS (a URL that is itself a credential)
  'sig',
] as const;

const fieldAlternation = SECRET_FIELD_NAMES.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
const F = `(?:${fieldAlternation})`;

/** Each pattern keeps its group 1 (the field name and separator) and replaces the rest. */
const KEEP_PREFIX: readonly RegExp[] = [
  // Authorization header values, wherever they are printed: the scheme name stays
  /\b(Bearer\s+|Basic\s+)[A-Za-z0-9\-._~+/]+=*/g,
  // `PAT <value>`: a personal access token is 52 (base32) or 84 characters, so a value of 20 or more.
  // Shorter, it is prose ("the PAT is expired", "a PAT from AZURE_DEVOPS_EXT_PAT"), which stays readable.
  /\b(PAT\s+)[A-Za-z0-9\-._~+/]{20,}=*/g,
  /\b(bearer\s+|basic\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi,
  // JSON: "password": "value", with escaped quotes inside the value
  new RegExp(`("${F}"\\s*:\\s*")(?:\\\\[\\s\\S]|[^"\\\\])*(?="|$)`, 'gi'),
  // JSON with single quotes (Python-ish dumps): 'password': 'value'
  new RegExp(`('${F}'\\s*:\\s*')(?:\\\\[\\s\\S]|[^'\\\\])*(?=')`, 'gi'),
  // JSON inside a JSON string: \"password\": \"va\\\"lue\"
  new RegExp(`(\\\\"${F}\\\\"\\s*:\\s*\\\\")(?:\\\\\\\\\\\\"|\\\\\\\\|\\\\[^"]|[^\\\\])*?(?=\\\\")`, 'gi'),
  // XML: <password>value</password>, <password attr="x">value</password>
  new RegExp(`(<(${F})(?:\\s[^>]*)?>)[^<]*(?=</\\2\\s*>)`, 'gi'),
  // URL-encoded form inside a URL or body: client_secret%3Dvalue (up to an encoded or literal '&')
  new RegExp(`((?<![A-Za-z_])${F}%3[DA](?:%20|\\+)*)(?:(?!%26)[^&\\s"'<>])+`, 'gi'),
  // form, query and text: client_secret=value, password = value, serviceprincipalkey: value, sig="value"
  new RegExp(`(\\b${F}\\s*[=:]\\s*)(?:"[^"\\n]*"|'[^'\\n]*'|[^&\\s"'<>]+)`, 'gi'),
  // an OAuth authorization code in a query string (RFC 6749 §4.1.2): ?code=value or &code=value, 16 or more
  // characters. Only in a query, and only a long value: `code` is also the name of every service's error code,
  // and Entra links its error pages as login.microsoftonline.com/error?code=50173; those stay readable.
  /([?&]code=)(?=[^&\s"'<>#]{16})[^&\s"'<>#]+/gi,
];

const WHOLE: readonly RegExp[] = [
  // JWT / JWS, with or without a signature part: base64url parts, the first starting with '{"' encoded (eyJ)
  /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?/g,
  // a lone JWT header or payload (what is left when a token is cut): base64url of a JSON object
  /eyJ[A-Za-z0-9_-]{16,}/g,
  // Entra client secret values: 3 chars, a digit, 'Q~', then 31–34 chars
  /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}/g,
];

/**
 * A text none of whose substrings can match a shape above: every pattern needs one of these words
 * (a scheme, `code=`, a JWT's `eyJ`, a client secret's `Q~`, or a secret field name followed by what
 * the field patterns need after it — a quote, a backslash, `>`, whitespace, `=`, `:` or `%3D`/`%3A`;
 * case-insensitive, so a superset of what the patterns match). Almost all service and plan text
 * (names, ids, messages) has none — `assignment`, `path` and `pipeline` contain `sig` and `pat` but
 * not as a field — and one scan for them is much cheaper than running every pattern (an audit redacts
 * ~20 strings per finding, a plan's table every cell). A test checks that every pattern's match
 * contains one of them.
 */
export const MAYBE_SECRET_SHAPE = new RegExp(`bearer|basic|code=|eyJ|Q~|(?:${fieldAlternation})(?:[\\s"'\\\\>=:]|%3[da])`, 'i');

/** @internal Every shape {@link redact} replaces (for the test of {@link MAYBE_SECRET_SHAPE}); not exported by the package. */
export const SECRET_SHAPES: readonly RegExp[] = [...KEEP_PREFIX, ...WHOLE];

/**
 * Returns `text` with every registered secret and every secret-shaped value replaced by `[REDACTED]`.
 * Redact whole text before cutting it to a length (see the module comment).
 */
export function redact(text: string): string {
  // Every match is found in the original text and the union of their ranges is replaced, so that
  // one secret overlapping another (a registered token inside a JWT) cannot leave a piece behind.
  const ranges: [number, number][] = [];
  for (const set of [pinned, rotating]) {
    for (const secret of set) {
      for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) ranges.push([at, at + secret.length]);
    }
  }
  const add = (pattern: RegExp, keepGroup?: 1): void => {
    for (const m of text.matchAll(pattern)) {
      const keep = keepGroup ? (m[1]?.length ?? 0) : 0;
      if (m[0].length > keep) ranges.push([m.index + keep, m.index + m[0].length]);
    }
  };
  if (MAYBE_SECRET_SHAPE.test(text)) {
    for (const pattern of KEEP_PREFIX) add(pattern, 1);
    for (const pattern of WHOLE) add(pattern);
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let i = 0;
  while (i < ranges.length) {
    const start = ranges[i]![0];
    let end = ranges[i]![1];
    for (i++; i < ranges.length && ranges[i]![0] <= end; i++) end = Math.max(end, ranges[i]![1]);
    out += text.slice(from, start) + REDACTED;
    from = end;
  }
  return out + text.slice(from);
}

/**
 * Cuts already-redacted text to `max` characters (adding `…`). Always call {@link redact} on the
 * whole text first; this exists so that every place that shortens service text does it one way.
 */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Deeply redacts a JSON-like value: secret-named fields are replaced, strings pass through {@link redact}.
 * Use before printing any object that came from a service (e.g. a service endpoint with `authorization`).
 * The input is never changed; parts with nothing to redact are returned as they are (not copied).
 */
export function redactDeep<T>(value: T): T {
  return walk(value, 0) as T;
}

const secretNames = new Set(SECRET_FIELD_NAMES.map((n) => n.toLowerCase()));

function walk(value: unknown, depth: number): unknown {
  if (depth > 32) return REDACTED;
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) {
    // Copy on write: an array (or plain object) with nothing to redact is returned as it is, so
    // redacting every finding of a 100,000-connection audit allocates only where a secret was.
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const w = walk(v, depth + 1);
      if (out === undefined && w !== v) out = value.slice(0, i);
      out?.push(w);
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    // Other objects (class instances) become plain objects of their own fields, as JSON would see them.
    const plain = proto === Object.prototype || proto === null;
    const entries: [string, unknown][] = Object.entries(value as Record<string, unknown>);
    let out: Record<string, unknown> | undefined = plain ? undefined : {};
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i]!;
      const w = secretNames.has(k.toLowerCase()) && v !== null && v !== undefined && v !== '' ? REDACTED : walk(v, depth + 1);
      if (out === undefined && w !== v) out = Object.fromEntries(entries.slice(0, i)) as Record<string, unknown>;
      if (out !== undefined) out[k] = w;
    }
    return out ?? value;
  }
  return value;
}
