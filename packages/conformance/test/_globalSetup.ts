/**
 * Starts `wif emulator --tls` in-process (the same server the command runs) with its CA in a fresh
 * state directory, and points NODE_EXTRA_CA_CERTS at that CA before the test workers start: the
 * official clients trust it the way a user's would, with certificate verification on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '@wif/cli';
import type { TestProject } from 'vitest/node';

export interface ConformanceEmulator {
  readonly url: string;
  readonly caFile: string;
  readonly stateDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulator: ConformanceEmulator;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = await mkdtemp(join(tmpdir(), 'wif-conformance-'));
  const started = await startEmulator({ port: 0, tls: { stateDir } });
  if (started.isErr()) throw new Error(started.error.message);
  const emu = started.value;
  if (!emu.caFile) throw new Error('the emulator started without TLS');
  process.env['NODE_EXTRA_CA_CERTS'] = emu.caFile;
  project.provide('emulator', { url: emu.url, caFile: emu.caFile, stateDir });
  return async () => {
    await emu.close();
    await rm(stateDir, { recursive: true, force: true });
  };
}
