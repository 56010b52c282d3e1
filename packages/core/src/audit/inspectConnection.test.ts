import { describe, expect, it } from 'vitest';
import { legacyIssuerSeverity, storesKey } from './inspectConnection';

describe('storesKey', () => {
  const endpoint = (scheme: string, parameters: Record<string, string | null> = {}) => ({
    id: 'e',
    name: 'e',
    type: 'azurerm',
    authorization: { scheme, parameters },
  });
  it.each<[string, Record<string, string | null>, boolean]>([
    ['ServicePrincipal', { authenticationType: 'spnKey', serviceprincipalkey: null }, true],
    ['ServicePrincipal', { authenticationType: 'spnCertificate' }, true],
    ['WorkloadIdentityFederation', { serviceprincipalid: 'a' }, false],
    ['ManagedServiceIdentity', {}, false],
    ['UsernamePassword', {}, true],
    ['OAuth', { apitoken: null }, true],
    ['OAuth', { configurationId: 'c' }, false],
  ])('%s with %j stores a key: %s', (scheme, parameters, expected) => {
    expect(storesKey(endpoint(scheme, parameters))).toBe(expected);
  });
});

describe('legacyIssuerSeverity', () => {
  it('rises as the retirement date nears, and is low when the retirement does not apply', () => {
    expect(legacyIssuerSeverity(Date.parse('2026-12-31T00:00:00Z'), true)).toBe('medium');
    expect(legacyIssuerSeverity(Date.parse('2027-01-02T00:00:00Z'), true)).toBe('high');
    expect(legacyIssuerSeverity(Date.parse('2027-07-01T00:00:00Z'), true)).toBe('critical');
    expect(legacyIssuerSeverity(Date.parse('2027-07-01T00:00:00Z'), false)).toBe('low');
  });
});
