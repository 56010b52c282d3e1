/**
 * Where each service lives under the emulator's origin. The emulator serves this layout and the
 * CLI's `--emulator URL` targets it; other tools can too (docs/emulator.md).
 */
export const EMULATOR_PATHS = {
  graph: '/graph/v1.0',
  arm: '/arm',
  devops: '/devops',
  entra: '/entra',
  admin: '/_emulator',
} as const;

/** The port `wif emulator` listens on unless told otherwise. */
export const DEFAULT_EMULATOR_PORT = 4010;

/** The service base URLs under an emulator origin such as `http://127.0.0.1:4010`. */
export function emulatorEndpoints(origin: string): { graph: string; arm: string; devops: string; authority: string } {
  const base = origin.replace(/\/+$/, '');
  return {
    graph: base + EMULATOR_PATHS.graph,
    arm: base + EMULATOR_PATHS.arm,
    devops: base + EMULATOR_PATHS.devops,
    authority: base + EMULATOR_PATHS.entra,
  };
}
