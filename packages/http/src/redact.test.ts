import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from './redact';

describe('redact: secrets the SDK never handled, by shape', () => {
  it.each([
    ['lower-case bearer', 'auth was bearer abcdefgh12345678 here', 'abcdefgh12345678'],
    ['lower-case basic', 'header basic dXNlcjpwYXNzd29yZA== sent', 'dXNlcjpwYXNzd29yZA'],
    ['Authorization: Bearer', 'Authorization: Bearer opaque-token-value', 'opaque-token-value'],
    ['serviceprincipalkey: X', 'serviceprincipalkey: Sup3rS3cretKey', 'Sup3rS3cretKey'],
    ['password = X', 'password = hunter2hunter2', 'hunter2hunter2'],
    ['<password>X</password>', '<Password>hunter2hunter2</Password>', 'hunter2hunter2'],
    ['URL-encoded client_secret%3D', 'body=grant%26client_secret%3Dhunter2hunter2%26scope%3Dx', 'hunter2hunter2'],
    ['an escaped quote inside a JSON value', '{"password":"abc\\"hunter2hunter2"}', 'hunter2hunter2'],
    ['a JSON value inside a JSON string', '{"m":"{\\"password\\":\\"ab\\\\\\"hunter2hunter2\\"}"}', 'hunter2hunter2'],
    ['a JWT with no signature part', 'x eyJhbGciOiJub25lIn0.eyJzdWIiOiJhYmMifQ y', 'eyJzdWIiOiJhYmMifQ'],
    ['a JWT header alone (a cut token)', 'x eyJhbGciOiJSUzI1NiIsInR5cCI6 y', 'eyJhbGciOiJSUzI1NiIsInR5cCI6'],
    ['a SAS sig=', 'https://a.blob.core.windows.net/c?sv=2020&sig=hunter2hunter2%3D&se=1', 'hunter2hunter2'],
  ])('%s', (_name, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it('removes the union of overlapping matches (a registered value inside a JWT)', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4eHh4eCJ9.c2lnbmF0dXJlc2ln';
    registerSecret('OiJSUzI1NiJ9.eyJzdWIi');
    expect(redact(`a ${jwt} b`)).toBe('a [REDACTED] b');
  });

  it('keeps ordinary text', () => {
    expect(redact('x-ms-continuationtoken is a header; basic auth is off')).toBe('x-ms-continuationtoken is a header; basic auth is off');
  });
});
