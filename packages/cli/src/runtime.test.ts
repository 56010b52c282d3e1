/** readRegularFile: how every file the CLI is given (spec, saved plan, CA bundle) is read. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile } from './runtime';

const dir = mkdtempSync(join(tmpdir(), 'wif-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile', () => {
  it('reads a file of exactly the cap and refuses one byte more', () => {
    const at = join(dir, 'at-cap.txt');
    writeFileSync(at, 'x'.repeat(100));
    expect(readRegularFile(at, 100)._unsafeUnwrap()).toHaveLength(100);
    writeFileSync(at, 'x'.repeat(101));
    expect(readRegularFile(at, 100)._unsafeUnwrapErr()).toBe('it is larger than 100 bytes');
  });

  it('reads a small file whole under a large cap, multi-byte characters intact', () => {
    const small = join(dir, 'small.txt');
    writeFileSync(small, 'connections: ü → ✓\n');
    expect(readRegularFile(small, 64 * 1024 * 1024)._unsafeUnwrap()).toBe('connections: ü → ✓\n');
  });

  // A file whose size the system does not report (procfs, some network file systems) says 0 bytes
  // to fstat: the buffer sized from it must grow to read the whole, and still stop at the cap.
  it.runIf(existsSync('/proc/self/status'))('reads a file that fstat calls empty, growing past its reported size', () => {
    const whole = readRegularFile('/proc/self/status', 1024 * 1024)._unsafeUnwrap();
    expect(whole.length).toBeGreaterThan(500);
    expect(whole).toMatch(/^Name:/);
    expect(whole.split('\n').slice(0, 2)).toEqual(readFileSync('/proc/self/status', 'utf8').split('\n').slice(0, 2));
    expect(readRegularFile('/proc/self/status', 64)._unsafeUnwrapErr()).toBe('it is larger than 64 bytes');
  });

  it('refuses what is not a regular file, and says why a file cannot be opened', () => {
    expect(readRegularFile(dir, 1024)._unsafeUnwrapErr()).toMatch(/not a regular file/);
    expect(readRegularFile(join(dir, 'missing'), 1024)._unsafeUnwrapErr()).toBe('ENOENT');
  });
});
