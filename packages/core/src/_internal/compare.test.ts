import { describe, expect, it } from 'vitest';
import { describeDifference, firstDifference } from './compare';

describe('compare', () => {
  it('finds the first differing position', () => {
    expect(firstDifference('sc://contoso/platform/x', 'sc://contoso/Platform/x')).toBe(13);
    expect(firstDifference('abc', 'abc')).toBe(-1);
    expect(firstDifference('abc', 'abcd')).toBe(3);
  });
  it.each([
    ['sc://contoso/platform/x', 'sc://contoso/Platform/x', 'differs only in letter case'],
    ['sc://contoso/platform/x', 'sc://contoso/platform/x ', 'differs only in leading or trailing whitespace'],
    ['https://issuer/x', 'https://issuer/x/', 'differs only in a trailing slash'],
  ])('%s vs %s: %s', (a, b, hint) => expect(describeDifference(a, b)).toBe(hint));
  it('quotes the neighbourhood of other differences', () => {
    expect(describeDifference('sc://contoso/platform/sc-prod', 'sc://contoso/platform/sc-dev')).toMatch(/position 25/);
  });
});
