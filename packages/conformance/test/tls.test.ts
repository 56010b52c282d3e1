import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { emulator, health } from './_emulator';

describe('the emulator over TLS', () => {
  it('serves https on 127.0.0.1, trusted through NODE_EXTRA_CA_CERTS (verification on)', async () => {
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env['NODE_EXTRA_CA_CERTS']).toBe(emulator.caFile);
    expect(process.env['NODE_TLS_REJECT_UNAUTHORIZED']).toBeUndefined();
    expect(await readFile(emulator.caFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((await health()).projects.map((p) => p.name)).toEqual(expect.arrayContaining(['platform', 'shared']));
  });
});
