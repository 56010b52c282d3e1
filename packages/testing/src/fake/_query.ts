/** The small subset of OData `$filter` that Graph and ARM are called with here, and paging tokens. */

export type FilterClause =
  | { readonly kind: 'eq'; readonly property: string; readonly value: string }
  | { readonly kind: 'any'; readonly property: string; readonly value: string }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly string[] };

/** Splits `s` on `separator` (a regex source) where it is not inside a single-quoted literal. */
function splitOutsideQuotes(s: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "'") quoted = !quoted;
    if (quoted) continue;
    const m = separator.exec(s.slice(i));
    if (m?.index === 0) {
      parts.push(s.slice(start, i));
      i += m[0].length - 1;
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

const LITERAL = String.raw`'((?:[^']|'')*)'`;
const unquote = (s: string): string => s.replace(/''/g, "'");

/** Parses `a eq 'x' and b/any(t:t eq 'y') and f('z')`; `undefined` when it is not in that subset. */
export function parseFilter(filter: string): FilterClause[] | undefined {
  const clauses: FilterClause[] = [];
  for (const part of splitOutsideQuotes(filter.trim(), /^\s+and\s+/i)) {
    const eq = new RegExp(String.raw`^([\w/.]+)\s+eq\s+(?:${LITERAL}|([\w.-]+))$`, 'i').exec(part);
    const any = new RegExp(String.raw`^(\w+)/any\((\w+):\s*\2\s+eq\s+${LITERAL}\)$`, 'i').exec(part);
    const call = /^(\w+)\((.*)\)$/.exec(part);
    if (eq) clauses.push({ kind: 'eq', property: eq[1]!, value: eq[2] !== undefined ? unquote(eq[2]) : eq[3]! });
    else if (any) clauses.push({ kind: 'any', property: any[1]!, value: unquote(any[3]!) });
    else if (call) {
      const args = call[2]!.trim() === '' ? [] : splitOutsideQuotes(call[2]!, /^,/);
      const values = args.map((a) => new RegExp(`^${LITERAL}$`).exec(a)?.[1] ?? a);
      clauses.push({ kind: 'call', name: call[1]!, args: values.map(unquote) });
    } else return undefined;
  }
  return clauses;
}

/** Opaque page token for an offset (Graph `$skiptoken`, ARM `$skipToken`). */
export function pageToken(offset: number): string {
  return Buffer.from(`wif-fake:${offset}`).toString('base64url');
}

/** The offset in a page token; `undefined` for a token this fake did not make. */
export function readPageToken(token: string | null): number | undefined {
  if (token === null) return 0;
  const m = /^wif-fake:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/** The URL of the next page: this request's URL with `name` set to the next page token. */
export function nextPageUrl(url: URL, name: string, offset: number): string {
  const next = new URL(url.href);
  next.searchParams.delete(name);
  const query = [...next.searchParams].map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  query.push(`${name}=${pageToken(offset)}`);
  return `${next.origin}${next.pathname}?${query.join('&')}`;
}
