/** The set-up of the in-process CLI tests: a working folder for the file and a fresh emulator per test. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type Emulator, startEmulator } from '../src/emulator/server';

/** What {@link useEmulator} returns; read its fields inside tests (they change per test / per file). */
export interface EmulatorHarness {
  /** The emulator of the running test (port 0 on 127.0.0.1, empty state, closed after the test). */
  readonly emu: Emulator;
  /** A temporary folder for the file (the CLI's working directory), removed after the last test. */
  readonly dir: string;
}

/**
 * Registers, for the calling test file, a temporary folder named `prefix…` and an emulator started
 * before each test (then `setUp(emu)`) and closed after it.
 */
export function useEmulator(prefix: string, setUp?: (emu: Emulator) => void): EmulatorHarness {
  let emu: Emulator | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    emu = (await startEmulator({ port: 0 }))._unsafeUnwrap();
    setUp?.(emu);
  });
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  return {
    get emu() {
      if (!emu) throw new Error('useEmulator: the emulator runs only during a test');
      return emu;
    },
    get dir() {
      if (!dir) throw new Error('useEmulator: the folder exists only while the file runs');
      return dir;
    },
  };
}
