import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specJsonSchema } from './jsonSchema';

const COMMITTED = fileURLToPath(new URL('../../schema/wif-spec.schema.json', import.meta.url));

// Regenerate after changing the spec schema:
//   WIF_UPDATE_SCHEMA=1 pnpm exec vitest run src/spec/jsonSchema.test.ts
describe('wif-spec.schema.json', () => {
  const generated = `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
  if (process.env['WIF_UPDATE_SCHEMA'] === '1') writeFileSync(COMMITTED, generated);

  it('is what the zod schema generates (regenerate with WIF_UPDATE_SCHEMA=1 when this fails)', () => {
    // Compared as data, so that reformatting the file does not make it stale.
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(JSON.parse(generated));
  });

  it('describes the fields editors complete, with their shared definitions', () => {
    const schema = JSON.parse(generated) as {
      required: string[];
      properties: Record<string, unknown>;
      $defs: Record<string, { required?: string[] }>;
    };
    expect(schema.required).toEqual(['organization', 'tenantId']);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['organization', 'tenantId', 'connections', 'environments']));
    expect(schema.$defs['connection']?.required).toEqual(['project', 'name', 'roles']);
    expect(schema.$defs['environmentSet']?.required).toEqual(expect.arrayContaining(['project', 'name', 'subscriptionId', 'dev', 'prod']));
    expect(Object.keys(schema.$defs)).toEqual(
      expect.arrayContaining(['roleGrant', 'connectionRole', 'pipelines', 'target', 'identity', 'checks', 'security']),
    );
  });
});
