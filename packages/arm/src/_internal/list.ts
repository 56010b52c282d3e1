import { type Result, ok } from 'neverthrow';
import type * as z from 'zod';
import { pages, type TransportError } from '@wif/http';
import type { ArmClient } from '../client';
import { API_VERSION } from './constants';

/**
 * An OData string literal: single quotes kept, a quote inside doubled (`O'Brien` → `'O''Brien'`).
 * On the wire the URL parser percent-encodes `'` in a query as `%27`, which the service decodes.
 */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Pages of an ARM list: the first request to `path` with `api-version` and `$filter`, then each
 * absolute `nextLink` as given (it carries `api-version` and `$skipToken`), until none comes back.
 */
export function armList<T>(
  client: ArmClient,
  request: { path: string; filter: string | undefined; operation: string; abortSignal: AbortSignal | undefined },
  schema: z.ZodType<{ value: T[]; nextLink?: string | null | undefined }>,
): AsyncGenerator<Result<readonly T[], TransportError>, void, undefined> {
  const { path, filter, operation, abortSignal } = request;
  return pages((cursor: string | undefined) =>
    client.transport
      .sendJson(
        cursor === undefined
          ? { method: 'GET', path, query: { 'api-version': API_VERSION, $filter: filter }, operation, abortSignal }
          : { method: 'GET', path: cursor, operation, abortSignal },
        schema,
      )
      .andThen(({ body }) => ok({ items: body.value, next: body.nextLink ?? undefined })),
  );
}
