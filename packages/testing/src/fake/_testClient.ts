/**
 * A bare `fetch` client for the fake's own tests: every call goes through MSW exactly as a user's
 * code would. Not exported from the package.
 */
import { makeTestToken } from '../credential';

export const GRAPH = 'https://graph.microsoft.com/v1.0';
export const ARM = 'https://management.azure.com';
export const DEVOPS = 'https://dev.azure.com/contoso';
export const ENTRA = 'https://login.microsoftonline.com';

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body (`undefined` when empty). Loosely typed on purpose: tests read into it. */

  readonly body: any;
}

export interface CallOptions {
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** Bearer token; default a test token for the service the URL belongs to; `null` sends none. */
  readonly token?: string | null;
}

function defaultToken(url: string): string | undefined {
  if (url.startsWith(GRAPH)) return makeTestToken('https://graph.microsoft.com/.default');
  if (url.startsWith(ARM)) return makeTestToken('https://management.azure.com/.default');
  if (url.startsWith('https://dev.azure.com/')) return makeTestToken('499b84ac-1321-427f-aa17-267ca6975798/.default');
  return undefined;
}

export async function call(method: string, url: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? defaultToken(url) : options.token;
  if (token) headers['Authorization'] = `Bearer ${token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** A mutable clock for tests of time: the fake reads `read`, the test calls `advance`. */
export function testClock(start = Date.UTC(2026, 0, 1)): { readonly read: () => number; advance(ms: number): void } {
  let now = start;
  return {
    read: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}
