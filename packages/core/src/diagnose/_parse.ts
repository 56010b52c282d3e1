/**
 * Reading values out of error text: AADSTS codes, the values Entra quotes back, the times of
 * AADSTS700024 and the parts of an ARM `AuthorizationFailed`. Every pattern is linear (no nested
 * quantifiers), so a pasted log of any size cannot stall it.
 */
import { clip } from './_findings';

/** The AADSTS codes in the text: `AADSTSnnnn` and the token endpoint's `"error_codes": [n]`. */
export function aadstsCodes(text: string): number[] {
  const codes = new Set<number>();
  for (const m of text.matchAll(/AADSTS(\d{4,8})/g)) codes.add(Number(m[1]));
  for (const m of text.matchAll(/"error_codes"\s*:\s*\[([\d,\s]{1,200})\]/g)) {
    for (const n of (m[1] ?? '').split(',')) if (n.trim() !== '') codes.add(Number(n));
  }
  return [...codes];
}

/** The value in `presented assertion {what} '…'` (AADSTS700211/700212/700213). */
export function presented(text: string, what: 'issuer' | 'subject' | 'audience'): string | undefined {
  const m = new RegExp(`presented assertion ${what} '([^'\\r\\n]{0,2000})'`, 'i').exec(text);
  return m?.[1] === undefined ? undefined : clip(m[1]);
}

/** The value after `Assertion Issuer:` / `Subject:` / `Audience:` (AADSTS70021), quoted or not. */
export function assertionField(text: string, what: 'Issuer' | 'Subject' | 'Audience'): string | undefined {
  const m = new RegExp(`Assertion ${what}:\\s*(?:'([^'\\r\\n]{0,2000})'|([^\\s']{1,2000}))`, 'i').exec(text);
  if (!m) return undefined;
  // Unquoted, the sentence's full stop sticks to the value.
  const value = m[1] ?? (m[2] ?? '').replace(/[.,;]$/, '');
  return value === '' ? undefined : clip(value);
}

/** The times of AADSTS700024, in epoch ms; each `undefined` when absent or unreadable. */
export interface AssertionTimes {
  readonly now?: number;
  readonly validFrom?: number;
  readonly expiry?: number;
}

const TIME = '(\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z?)';

function parseTime(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  // Entra writes 7 fractional digits ("…:34.6347135Z") or a space instead of T; normalise both.
  const iso = raw
    .replace(' ', 'T')
    .replace(/(\.\d{3})\d+/, '$1')
    .replace(/Z?$/, 'Z');
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Reads `Current time: …, assertion valid from …, expiry time of assertion …` (AADSTS700024). */
export function assertionTimes(text: string): AssertionTimes {
  const read = (label: string): number | undefined => parseTime(new RegExp(`${label}:?\\s*${TIME}`, 'i').exec(text)?.[1]);
  const now = read('Current time');
  const validFrom = read('valid from');
  const expiry = read('expiry time of assertion');
  return {
    ...(now !== undefined ? { now } : {}),
    ...(validFrom !== undefined ? { validFrom } : {}),
    ...(expiry !== undefined ? { expiry } : {}),
  };
}

/** The parts of an ARM authorization failure that name who was denied what, where. */
export interface ArmDenial {
  readonly clientId?: string;
  readonly objectId?: string;
  readonly action?: string;
  readonly scope?: string;
}

/**
 * Reads `The client '{id}' with object id '{oid}' does not have authorization to perform action
 * '{action}' over scope '{scope}'` (docs/reference/arm.md §5; the seed quotes the shorter "Forbidden: The
 * client 'XXX' with object id 'YYY' does not have authorization"). `undefined` when neither that
 * sentence nor the `AuthorizationFailed` code is in the text.
 */
export function armDenial(text: string): ArmDenial | undefined {
  const who = /client '([^'\r\n]{1,200})' with object id '([^'\r\n]{1,200})' does not have authorization/i.exec(text);
  if (!who && !/\bAuthorizationFailed\b/.test(text)) return undefined;
  const action = /to perform action '([^'\r\n]{1,500})'/i.exec(text)?.[1];
  const scope = /over scope '([^'\r\n]{1,1000})'/i.exec(text)?.[1];
  return {
    ...(who?.[1] !== undefined ? { clientId: who[1] } : {}),
    ...(who?.[2] !== undefined ? { objectId: who[2] } : {}),
    ...(action !== undefined ? { action } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

/** The connection name an Azure DevOps "could not be found" message quotes, if any. */
export function missingConnectionName(text: string): string | undefined {
  const m =
    /references service connection '?([^'\s]{1,256}?)'? which could not be found/i.exec(text) ??
    /service connection '([^'\r\n]{1,256})' could not be found/i.exec(text);
  return m?.[1];
}
