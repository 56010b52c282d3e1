/** OData URL pieces shared by the Graph endpoint functions. */
import { pages, type TransportError } from '@wif/http';
import { type Result, ok } from 'neverthrow';
import * as z from 'zod';
import type { ListQuery } from '../api/options';
import type { GraphClient } from '../client';

/**
 * An OData string literal for a key segment, e.g. `(uniqueName='…')`: single quotes doubled
 * (OData ABNF `SQUOTE-in-string`), then percent-encoded for a path segment. `encodeURIComponent`
 * keeps `'`, `(` and `)` literal, which is what Graph expects inside the quotes.
 */
export function odataKey(value: string): string {
  return `'${encodeURIComponent(value.replaceAll("'", "''"))}'`;
}

/** `$select` with the fields the schema needs always included. */
export function selectFields(required: readonly string[], select: readonly string[] | undefined): string | undefined {
  return select ? [...new Set([...required, ...select])].join(',') : undefined;
}

/**
 * Pages through a Graph collection: `value[]`, following `@odata.nextLink` verbatim (docs/reference/graph.md §7).
 */
export function listCollection<S extends z.ZodType>(
  client: GraphClient,
  request: {
    readonly path: string;
    readonly query?: Readonly<Record<string, string | number | undefined>>;
    readonly operation: string;
    readonly abortSignal?: AbortSignal | undefined;
  },
  item: S,
): AsyncGenerator<Result<readonly z.output<S>[], TransportError>, void, undefined> {
  const schema = pageSchema(item);
  const { path, query, operation, abortSignal } = request;
  return pages((cursor: string | undefined) =>
    client.transport
      .sendJson(
        cursor
          ? { method: 'GET', path: cursor, operation, abortSignal }
          : { method: 'GET', path, ...(query ? { query } : {}), operation, abortSignal },
        schema,
      )
      .andThen(({ body }) => ok({ items: body.value, next: body['@odata.nextLink'] })),
  );
}

/** The page schema of each item schema, built once: a zod schema costs far more to build than to run. */
const pageSchemas = new WeakMap<z.ZodType, z.ZodType>();

function pageSchema<S extends z.ZodType>(item: S) {
  const build = () => z.object({ value: z.array(item), '@odata.nextLink': z.string().optional() });
  let schema = pageSchemas.get(item) as ReturnType<typeof build> | undefined;
  if (!schema) {
    schema = build();
    pageSchemas.set(item, schema);
  }
  return schema;
}

/** Builds the query of a `list*` call. */
export function listQuery(query: ListQuery, required: readonly string[]): Record<string, string | number | undefined> {
  return { $filter: query.filter, $select: selectFields(required, query.select), $top: query.top };
}
