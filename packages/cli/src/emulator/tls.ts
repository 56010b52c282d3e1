/**
 * TLS for `wif emulator --tls`: a local certificate authority made on first use and kept in the
 * state directory (its key never leaves it), and a fresh server certificate for `127.0.0.1` and
 * `localhost` issued by it at every start. Made with `@peculiar/x509` over Node's WebCrypto: no
 * `openssl` binary needed (Windows has none).
 */
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caFileIn } from './paths';

export { CA_CERT_FILE, caFileIn, defaultStateDir } from './paths';
const CA_KEY_FILE = 'emulator-ca-key.pem';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const CA_NAME = 'CN=wif emulator local CA (development only), O=wif';
const DAY_MS = 24 * 3600 * 1000;

/** What `https.createServer` needs, and the CA file a client trusts. */
export interface EmulatorTlsMaterial {
  /** The CA certificate (PEM) file in the state directory. */
  readonly caFile: string;
  /** The CA certificate, PEM. */
  readonly caPem: string;
  /** The server certificate (PEM) for 127.0.0.1 and localhost. */
  readonly cert: string;
  /** The server key (PKCS#8 PEM), in memory only. */
  readonly key: string;
  /** Whether the CA was made by this call (false: loaded from the state directory). */
  readonly created: boolean;
}

type X509 = typeof import('@peculiar/x509');

let loaded: Promise<X509> | undefined;
/** Loads the x509 library on first use (only `--tls` pays for it); it needs the Reflect polyfill first. */
function x509(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    lib.cryptoProvider.set(webcrypto as never);
    return lib;
  })();
  return loaded;
}

const pem = (label: string, der: ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;
const unpem = (text: string): Buffer => Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

const subtle = webcrypto.subtle;

async function makeCa(lib: X509): Promise<{ certPem: string; keyPem: string }> {
  const keys = await subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    name: CA_NAME,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 10 * 365 * DAY_MS),
    signingAlgorithm: SIGNING,
    keys: keys as never,
    extensions: [
      new lib.BasicConstraintsExtension(true, 0, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey)) };
}

const exists = async (file: string): Promise<string | undefined> => {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

/** Loads the CA of `dir`, or makes it (the key file is the lock: one CA even when two emulators start at once). */
async function loadOrMakeCa(lib: X509, dir: string): Promise<{ certPem: string; keyPem: string; created: boolean }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certFile = caFileIn(dir);
  const keyFile = join(dir, CA_KEY_FILE);
  const [certPem, keyPem] = [await exists(certFile), await exists(keyFile)];
  if (certPem && keyPem) return { certPem, keyPem, created: false };
  if (certPem === undefined && keyPem === undefined) {
    const made = await makeCa(lib);
    try {
      await writeFile(keyFile, made.keyPem, { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return waitForCa(certFile, keyFile);
    }
    await writeFile(certFile, made.certPem, { mode: 0o644 });
    return { ...made, created: true };
  }
  if (keyPem !== undefined && certPem === undefined) return waitForCa(certFile, keyFile);
  // A certificate without its key cannot issue: start over.
  await rm(certFile, { force: true });
  return loadOrMakeCa(lib, dir);
}

/** Another process holds the key file and is writing the certificate: wait for it (bounded). */
async function waitForCa(certFile: string, keyFile: string): Promise<{ certPem: string; keyPem: string; created: boolean }> {
  for (let i = 0; i < 50; i++) {
    const [certPem, keyPem] = [await exists(certFile), await exists(keyFile)];
    if (certPem && keyPem) return { certPem, keyPem, created: false };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${keyFile} exists without ${certFile}: delete both and start again.`);
}

/**
 * The CA of `stateDir` (made on first use) and a new server certificate for 127.0.0.1 and
 * localhost, valid 30 days. Throws on a file system error (the caller maps it).
 */
export async function emulatorTls(stateDir: string): Promise<EmulatorTlsMaterial> {
  const lib = await x509();
  const ca = await loadOrMakeCa(lib, stateDir);
  const caCert = new lib.X509Certificate(ca.certPem);
  const caKey = await subtle.importKey('pkcs8', unpem(ca.keyPem), EC, false, ['sign']);
  const keys = await subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await lib.X509CertificateGenerator.create({
    subject: 'CN=127.0.0.1',
    issuer: caCert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 30 * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey as never,
    signingKey: caKey as never,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
      new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth]),
      new lib.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
      await lib.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return {
    caFile: caFileIn(stateDir),
    caPem: ca.certPem,
    cert: cert.toString('pem') + '\n',
    key: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey)),
    created: ca.created,
  };
}
