import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from './didYouMean';

describe('closestName', () => {
  const fields = ['appPrefix', 'organization', 'connections', 'subscriptionId'];

  it('offers a case-only difference first', () => {
    expect(closestName('contributor', ['Owner', 'Contributor', 'Reader'])).toBe('Contributor');
  });

  it('offers the nearest name within a third of the word, and nothing for an unrelated word', () => {
    expect(closestName('appPrefx', fields)).toBe('appPrefix');
    expect(closestName('organisation', fields)).toBe('organization');
    expect(closestName('zzz', fields)).toBeUndefined();
    // 'pln' is one edit from 'plan'; a 3-letter word allows only one edit
    expect(closestName('pln', ['plan', 'apply'])).toBe('plan');
    expect(closestName('aply', ['plan', 'apply'])).toBe('apply');
    expect(closestName('ply', ['plan', 'apply'])).toBeUndefined();
    expect(closestName('xyz', ['plan', 'apply'])).toBeUndefined();
  });

  it('offers nothing for a known name', () => {
    expect(closestName('appPrefix', fields)).toBeUndefined();
  });

  it('matches a unique prefix only when asked (the command line), never an ambiguous one', () => {
    const commands = ['plan', 'apply', 'diagnose', 'doctor', 'audit'];
    expect(closestName('diag', commands)).toBeUndefined();
    expect(closestName('diag', commands, { uniquePrefix: true })).toBe('diagnose');
    expect(closestName('d', commands, { uniquePrefix: true })).toBeUndefined();
    expect(closestName('do', ['doctor', 'download'], { uniquePrefix: true })).toBeUndefined();
  });

  it('accepts any iterable of names', () => {
    expect(closestName('readr', new Set(['Reader', 'Owner']))).toBe('Reader');
  });
});

describe('editDistance', () => {
  it('counts inserts, deletes and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('a', 'A')).toBe(1);
  });
});
