/**
 * wif's own guidance (every diagnosis's summary and fixes, every audit code's fix) is printed
 * through the redactor like any other text. None of it holds a secret, so the redactor must leave
 * it whole: a fix that reads "rotating the secret: `wif migrate start …`" lost its command to a
 * `[REDACTED]` (the redactor took "secret: `wif" for a secret field and its value).
 */
import { redact } from '@wif/http';
import { describe, expect, it } from 'vitest';
import { FIXES, type ReadFailureCause, UNREADABLE_CODES, unreadableFix } from './audit/findings';
import { CATALOGUE } from './diagnose/_catalogue';

describe('guidance passes the redactor unchanged', () => {
  const texts: [string, string][] = [
    ...Object.entries(CATALOGUE).flatMap(([cause, e]): [string, string][] => [
      [`${cause} summary`, e.summary],
      ...e.fix.map((f, i): [string, string] => [`${cause} fix ${i + 1}`, f]),
    ]),
    ...Object.entries(FIXES).map(([code, fix]): [string, string] => [`audit ${code}`, fix]),
    ...[...UNREADABLE_CODES].flatMap((code) =>
      (['network', 'sign-in', 'not-found', 'throttled', 'service'] as ReadFailureCause[]).flatMap((cause) =>
        ['devops', 'graph', 'arm'].map((service): [string, string] => [
          `audit ${code} unreadable (${cause}, ${service})`,
          unreadableFix(code, cause, { organization: 'contoso', service }),
        ]),
      ),
    ),
  ];

  it.each(texts)('%s', (_, text) => {
    expect(redact(text)).toBe(text);
  });

  it('covers every diagnosis and every audit code', () => {
    for (const cause of Object.keys(CATALOGUE)) expect(texts.some(([name]) => name === `${cause} summary`)).toBe(true);
    for (const code of Object.keys(FIXES)) expect(texts.some(([name]) => name === `audit ${code}`)).toBe(true);
  });
});
