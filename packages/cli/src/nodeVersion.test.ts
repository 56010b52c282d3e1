import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIN_NODE_MAJOR, nodeTooOld } from './nodeVersion';

const PACKAGES = fileURLToPath(new URL('../..', import.meta.url));

describe('the Node.js version guard', () => {
  it('refuses every Node.js before 22 with the version it found, and lets 22 and later through', () => {
    expect(nodeTooOld('20.19.2')).toBe('wif needs Node.js 22 or newer (found 20.19.2).');
    expect(nodeTooOld('v18.0.0')).toBe('wif needs Node.js 22 or newer (found 18.0.0).');
    expect(nodeTooOld('21.7.3')).toMatch(/found 21\.7\.3/);
    expect(nodeTooOld('not a version')).toMatch(/^wif needs Node\.js 22 or newer/);
    expect(nodeTooOld('22.0.0')).toBeUndefined();
    expect(nodeTooOld('24.21.0')).toBeUndefined();
    expect(nodeTooOld('100.0.0')).toBeUndefined();
  });

  it('agrees with engines.node of every published package', async () => {
    const dirs = await readdir(PACKAGES);
    const published: string[] = [];
    for (const d of dirs) {
      const pkg = JSON.parse(await readFile(join(PACKAGES, d, 'package.json'), 'utf8')) as {
        name: string;
        private?: boolean;
        engines?: { node?: string };
      };
      if (pkg.private) continue;
      published.push(pkg.name);
      expect(pkg.engines?.node, pkg.name).toBe(`>=${MIN_NODE_MAJOR}`);
    }
    expect(published).toContain('@wif/cli');
    expect(published).toContain('@wif/core');
  });
});
