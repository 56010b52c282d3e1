import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  connectionNameSchema,
  credentialNameSchema,
  formatPath,
  guidSchema,
  issuerSchema,
  organizationSchema,
  projectSchema,
  subjectSchema,
  validate,
} from './validation';

const ok = (schema: z.ZodType, v: unknown): boolean => schema.safeParse(v).success;

describe('validation', () => {
  it.each([
    ['11111111-2222-3333-4444-555555555555', true],
    ['B24988AC-6180-42A0-AB88-20F7382DD24C', true],
    [' 11111111-2222-3333-4444-555555555555', false],
    ['11111111-2222-3333-4444-555555555555\n', false],
    ['{11111111-2222-3333-4444-555555555555}', false],
    ['11111111222233334444555555555555', false],
    ['1111111-2222-3333-4444-555555555555', false],
    ['', false],
    [42, false],
  ])('guid %j → %s', (v, expected) => expect(ok(guidSchema, v)).toBe(expected));

  it.each([
    ['contoso', true],
    ['my-org-1', true],
    ['-contoso', false],
    ['contoso-', false],
    ['con toso', false],
    ['a'.repeat(51), false],
  ])('organization %j → %s', (v, expected) => expect(ok(organizationSchema, v)).toBe(expected));

  it.each([
    ['platform', true],
    ['Platform Team', true],
    ['_hidden', false],
    ['ends.', false],
    ['a/b', false],
    ['x'.repeat(65), false],
    [' platform', false],
  ])('project %j → %s', (v, expected) => expect(ok(projectSchema, v)).toBe(expected));

  it.each([
    ['sc-ado-platform-prod-eus2', true],
    ['sc prod (read only)', true],
    ['sc-prod ', false],
    ['', false],
    ['bad\tname', false],
  ])('connection name %j → %s', (v, expected) => expect(ok(connectionNameSchema, v)).toBe(expected));

  it.each([
    ['ado-sc-1', true],
    ['ab', false],
    ['-abc', false],
    ['a'.repeat(120), true],
    ['a'.repeat(121), false],
    ['has space', false],
    ['dot.name', false],
  ])('credential name %j → %s', (v, expected) => expect(ok(credentialNameSchema, v)).toBe(expected));

  it.each([
    ['https://vstoken.dev.azure.com/11111111-2222-3333-4444-555555555555', true],
    ['https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0', true],
    ['https://login.microsoftonline.com/t/v2.0 ', false],
    ['http://evil.example.com/x', false],
    ['not a url', false],
  ])('issuer %j → %s', (v, expected) => expect(ok(issuerSchema, v)).toBe(expected));

  it.each([
    ['sc://contoso/platform/sc-prod', true],
    ['/eid1/c/pub/t/MiSI_7AJe0O9IsoTwAN97Q/a/rISbSSETf0KqFyZ8ppdXmA/sc/org/sc', true],
    ['sc://contoso/platform/*', false],
    ['sc://contoso/platform/sc-prod\n', false],
  ])('subject %j → %s', (v, expected) => expect(ok(subjectSchema, v)).toBe(expected));

  it('lists every problem with its path at once', () => {
    const schema = z.strictObject({ connections: z.array(z.strictObject({ tenantId: guidSchema, name: connectionNameSchema })) });
    const r = validate(schema, {
      connections: [
        { tenantId: 'x', name: 'ok' },
        { tenantId: '11111111-2222-3333-4444-555555555555', name: ' bad', extra: 1 },
      ],
    });
    const e = r._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    const paths = e.problems.map((p) => p.path);
    expect(paths).toContain('connections[0].tenantId');
    expect(paths).toContain('connections[1].name');
    expect(e.problems.find((p) => p.path === 'connections[1]')?.message).toMatch(/unknown field\(s\): extra/);
    expect(e.message).toMatch(/nothing was sent/);
  });

  it('formats paths like connections[2].scope', () => {
    expect(formatPath(['connections', 2, 'scope'])).toBe('connections[2].scope');
    expect(formatPath([0, 'a'], 'spec')).toBe('spec[0].a');
  });
});
