/**
 * Where the emulator keeps its state and its CA file: apart from ./tls.ts so that a command that
 * only needs the path (every command run with an https:// `--emulator`) loads no crypto code.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The CA certificate's file name inside the state directory. */
export const CA_CERT_FILE = 'emulator-ca.pem';

/**
 * The directory wif keeps local state in: `WIF_STATE_DIR`, else `%LOCALAPPDATA%\wif` on Windows,
 * else `$XDG_STATE_HOME/wif`, else `~/.local/state/wif`.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['WIF_STATE_DIR']) return env['WIF_STATE_DIR'];
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'wif');
  return join(env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'wif');
}

/** The CA file the emulator uses for a state directory. */
export const caFileIn = (dir: string): string => join(dir, CA_CERT_FILE);
