import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from './server';
import { caFileIn, defaultStateDir, emulatorTls } from './tls';

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'wif-tls-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** GET over https trusting exactly `ca`; resolves with the status or the TLS error code. */
const get = (url: string, ca: string): Promise<number | string> =>
  new Promise((resolve) => {
    request(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
      .end();
  });

describe('the emulator CA', () => {
  it('is made once per state directory and reused; its key is private to the user', async () => {
    const dir = await tempDir();
    const first = await emulatorTls(dir);
    const second = await emulatorTls(dir);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.caPem).toBe(first.caPem);
    expect(first.caFile).toBe(caFileIn(dir));
    expect((await stat(join(dir, 'emulator-ca-key.pem'))).mode & 0o777).toBe(0o600);
    // Each start gets a fresh server certificate from the same CA.
    expect(second.cert).not.toBe(first.cert);
  });

  it('issues a server certificate for 127.0.0.1 and localhost, signed by the CA, and not a CA itself', async () => {
    const tls = await emulatorTls(await tempDir());
    const ca = new X509Certificate(tls.caPem);
    const leaf = new X509Certificate(tls.cert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkHost('example.com')).toBeUndefined();
  });

  it('makes one CA when two emulators start at once', async () => {
    const dir = await tempDir();
    const [a, b] = await Promise.all([emulatorTls(dir), emulatorTls(dir)]);
    expect(a.caPem).toBe(b.caPem);
    expect([a.created, b.created].sort()).toEqual([false, true]);
  });

  it('lives in WIF_STATE_DIR, else XDG_STATE_HOME/wif, else ~/.local/state/wif (LOCALAPPDATA\\wif on Windows)', () => {
    expect(defaultStateDir({ WIF_STATE_DIR: '/x' }, 'linux')).toBe('/x');
    expect(defaultStateDir({ XDG_STATE_HOME: '/s' }, 'linux')).toBe(join('/s', 'wif'));
    expect(defaultStateDir({ LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, 'win32')).toBe(join('C:\\Users\\me\\AppData\\Local', 'wif'));
    expect(defaultStateDir({ HOME: '/home/me' }, 'linux')).toMatch(/\.local[/\\]state[/\\]wif$/);
  });
});

describe('startEmulator({ tls })', () => {
  it('serves https on 127.0.0.1 trusted through the CA file, and refuses clients that do not trust it', async () => {
    const dir = await tempDir();
    const emu = (await startEmulator({ port: 0, tls: { stateDir: dir } }))._unsafeUnwrap();
    try {
      expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.caFile).toBe(caFileIn(dir));
      expect(await get(`${emu.url}/_emulator/health`, await readFile(emu.caFile!, 'utf8'))).toBe(200);
      expect(await get(`${emu.url.replace('127.0.0.1', 'localhost')}/_emulator/health`, await readFile(emu.caFile!, 'utf8'))).toBe(200);
      const other = await emulatorTls(await tempDir());
      expect(await get(`${emu.url}/_emulator/health`, other.caPem)).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
    } finally {
      await emu.close();
    }
  });

  it('keeps the CA beside --state FILE when no directory is given', async () => {
    const dir = await tempDir();
    const emu = (await startEmulator({ port: 0, tls: true, stateFile: join(dir, 'state.json') }))._unsafeUnwrap();
    await emu.close();
    expect(emu.caFile).toBe(caFileIn(dir));
  });
});
