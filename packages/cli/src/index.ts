/**
 * `@wif/cli` as a library: run the `wif` command in-process, or start the local emulator from an
 * integration test (docs/cli.md, docs/emulator.md).
 *
 * @packageDocumentation
 */
export { main } from './main';
export { EXIT, type ExitCode } from './exitCodes';
export type { CliIo, OutputStream } from './io';
export { startEmulator, type Emulator, type EmulatorOptions, type EmulatorStartError } from './emulator/server';
export { seedDemo, type DemoSeed, type DemoConnection } from './emulator/seed';
export { EMULATOR_PATHS, DEFAULT_EMULATOR_PORT, emulatorEndpoints } from './emulator/layout';
