import { describe, expect, it } from 'vitest';
import { adminRequestProblem } from './admin';

const ORIGIN = 'http://127.0.0.1:4010';
const req = (headers: Record<string, string>, method = 'POST'): Request =>
  new Request(`${ORIGIN}/_emulator/options`, { method, headers, ...(method === 'POST' ? { body: '{}' } : {}) });

describe('emulator admin routes refuse what a web page could send', () => {
  it.each([
    ['a foreign Host (DNS rebinding)', { host: 'evil.example:4010', 'content-type': 'application/json' }, 403],
    ['a foreign Origin (CSRF)', { host: '127.0.0.1:4010', origin: 'https://evil.example', 'content-type': 'application/json' }, 403],
    ['a text/plain POST (a simple cross-origin request)', { host: '127.0.0.1:4010', 'content-type': 'text/plain;charset=UTF-8' }, 415],
    ['a form POST', { host: 'localhost:4010', 'content-type': 'application/x-www-form-urlencoded' }, 415],
  ])('%s → %i', (_name, headers, status) => {
    expect(adminRequestProblem(req(headers), ORIGIN)?.status).toBe(status);
  });

  it.each([
    ['JSON from a loopback Host without Origin (curl, wif)', { host: '127.0.0.1:4010', 'content-type': 'application/json' }],
    ['JSON from its own Origin', { host: 'localhost:4010', origin: ORIGIN, 'content-type': 'application/json; charset=utf-8' }],
    ['[::1] as Host', { host: '[::1]:4010', 'content-type': 'application/json' }],
  ])('accepts %s', (_name, headers) => {
    expect(adminRequestProblem(req(headers), ORIGIN)).toBeUndefined();
  });

  it('a GET needs a loopback Host too (a rebound page must not read the health answer)', () => {
    expect(adminRequestProblem(req({ host: 'evil.example' }, 'GET'), ORIGIN)?.status).toBe(403);
    expect(adminRequestProblem(req({ host: '127.0.0.1:4010' }, 'GET'), ORIGIN)).toBeUndefined();
  });
});
