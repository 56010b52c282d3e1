/** Diagnoses a new user met in the first hour: a case-only subject mismatch, and fixes that name CLI commands. */
import { describe, expect, it } from 'vitest';
import { FIXES } from '../audit/findings';
import { CATALOGUE } from './_catalogue';
import { diagnoseText } from './diagnoseText';

// The text Entra answers (as reported in Azure/login#515), with an Azure DevOps subject.
const CASE_ONLY =
  "AADSTS7002138: No matching federated identity record found for presented assertion subject 'sc://Contoso/platform/sc-platform-prod'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.";

describe('diagnose in the first hour', () => {
  it('recognises AADSTS7002138 as a subject that differs only in letter case', () => {
    const [top] = diagnoseText(CASE_ONLY);
    expect(top?.cause).toBe('SubjectMismatch');
    expect(top?.confidence).toBe('certain');
    expect(top?.codes).toContain('AADSTS7002138');
    expect(top?.summary).toContain('only if letter case is ignored');
    expect(top?.evidence).toContain('differs only in letter case (AADSTS7002138)');
    expect(top?.fix[0]).toContain('wif sync --config FILE --yes');
  });

  it('recognises the case-only wording without the code too', () => {
    const [top] = diagnoseText('The subject matches with case-insensitive comparison, but not with case-sensitive comparison.');
    expect(top?.cause).toBe('SubjectMismatch');
    expect(top?.summary).toContain('letter case');
  });

  it('tells users to share with `shareWith:` (the spec key), never `projects:`', () => {
    const text = CATALOGUE.ConnectionNotShared.fix.join(' ');
    expect(text).toContain('`shareWith:`');
    expect(text).not.toContain('projects:');
  });

  it('names CLI commands in fixes, not SDK functions', () => {
    const all = [...Object.values(CATALOGUE).flatMap((e) => e.fix), ...Object.values(FIXES)].join('\n');
    for (const sdk of ['bindFederatedCredential', 'in code', 'grantRole(', 'convertIssuer', 'convertConnectionScheme', 'startMigration']) {
      expect(all, sdk).not.toContain(sdk);
    }
    expect(FIXES.LegacyIssuer).toContain('wif migrate convert --issuer');
    expect(FIXES.SecretBased).toContain('wif migrate convert --scheme');
  });
});
