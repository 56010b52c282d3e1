import * as z from 'zod';
import { specSchema } from './schema';

/**
 * The JSON Schema (draft 2020-12) of a wif spec, generated from the zod schema, for editor
 * completion and validation (`# yaml-language-server: $schema=…`; committed as
 * `schema/wif-spec.schema.json`). It carries shapes, enums and simple patterns; what JSON Schema
 * cannot express (the scope grammar, one app per connection, unique names) is checked by
 * `loadSpec`. Makes no request.
 *
 * @example
 * writeFileSync('wif-spec.schema.json', `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
 */
export function specJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(specSchema, { io: 'input', unrepresentable: 'any' });
  return {
    $schema,
    title: 'wif spec',
    description: 'Azure DevOps service connections on workload identity federation, vended by wif.',
    ...rest,
  };
}
