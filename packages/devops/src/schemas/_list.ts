import * as z from 'zod';

/**
 * A list that the 7.1 spec types as a bare array while Azure DevOps usually answers
 * `{ count, value }`: both are accepted, the items come out as an array.
 */
export function arrayOrValueList<T extends z.ZodType>(item: T) {
  return z
    .union([z.looseObject({ count: z.number().int().optional(), value: z.array(item) }), z.array(item)])
    .transform((v): z.output<T>[] => (Array.isArray(v) ? v : v.value));
}
