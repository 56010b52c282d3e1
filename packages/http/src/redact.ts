/**
 * Redaction: the last line of defence between a secret and a log line, an error or JSON output.
 *
 * Two mechanisms, both applied by {@link redact}:
 * 1. every secret value the transport has handled (access tokens, PATs, client assertions) is
 *    registered with {@link registerSecret} and replaced wherever it appears, whatever its shape;
 * 2. shapes that are secrets wherever they come from: JWTs, `Bearer`/`Basic` credentials, Entra
 *    client secrets, and the values of secret-named fields (`serviceprincipalkey`, `client_secret`,
 *    `access_token`, `password`, …) in JSON, form and query strings.
 */

const REDACTED = '[REDACTED]';
const MAX_REGISTERED = 512;
const registered = new Set<string>();

/**
 * Remembers a secret value so that {@link redact} removes it from any text later.
 * Values shorter than 8 characters are ignored (they would redact ordinary words).
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 8) return;
  if (registered.has(value)) return;
  if (registered.size >= MAX_REGISTERED) {
    const oldest = registered.values().next().value;
    if (oldest !== undefined) registered.delete(oldest);
  }
  registered.add(value);
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
] as const;

const fieldAlternation = SECRET_FIELD_NAMES.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

const PATTERNS: readonly RegExp[] = [
  // JSON: "serviceprincipalkey": "value" (also with escaped quotes inside a JSON string)
  new RegExp(`((?:\\\\?["'])(?:${fieldAlternation})(?:\\\\?["'])\\s*:\\s*)(\\\\?["'])((?:(?!\\2).)*)\\2`, 'gi'),
  // form or query: client_secret=value
  new RegExp(`(\\b(?:${fieldAlternation})=)([^&\\s"']+)`, 'gi'),
  // Authorization header values, wherever they are printed
  /\b(Bearer|Basic|PAT)\s+[A-Za-z0-9\-._~+/]+=*/g,
  // JWT / JWS: three base64url parts, the first two starting with '{"' encoded (eyJ)
  /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g,
  // Entra client secret values: 3 chars, a digit, 'Q~', then 31–34 chars
  /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}/g,
];

/**
 * Returns `text` with every registered secret and every secret-shaped value replaced by `[REDACTED]`.
 */
export function redact(text: string): string {
  let out = text;
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(PATTERNS[0]!, (_m, prefix: string, quote: string) => `${prefix}${quote}${REDACTED}${quote}`);
  out = out.replace(PATTERNS[1]!, (_m, prefix: string) => `${prefix}${REDACTED}`);
  out = out.replace(PATTERNS[2]!, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(PATTERNS[3]!, REDACTED);
  out = out.replace(PATTERNS[4]!, REDACTED);
  return out;
}

/**
 * Deeply redacts a JSON-like value: secret-named fields are replaced, strings pass through {@link redact}.
 * Use before printing any object that came from a service (e.g. a service endpoint with `authorization`).
 */
export function redactDeep<T>(value: T): T {
  return walk(value, 0) as T;
}

const secretNames = new Set(SECRET_FIELD_NAMES.map((n) => n.toLowerCase()));

function walk(value: unknown, depth: number): unknown {
  if (depth > 32) return REDACTED;
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = secretNames.has(k.toLowerCase()) && v !== null && v !== undefined && v !== '' ? REDACTED : walk(v, depth + 1);
    }
    return out;
  }
  return value;
}
