/**
 * @module tls/local-authority
 * Certificates for a local stack's APIs (issue 22, `ledger up`): a certificate authority made for
 * the stack (P-256, ten years) and one server certificate per node (P-256, 825 days, the names and
 * addresses it is reached at), in `<stack>/tls/`: `ca.pem` (what callers trust: `--cacert`,
 * LEDGER_CA_FILE, curl's --cacert), `ca-key.pem`, `node-<n>.pem`, `node-<n>-key.pem`; keys 0600.
 * Browsers take P-256, not Ed25519: the API has its own key, the peer links the node key
 * (tls/identity.ts). Production configures certificates from its own CA instead.
 */
import { X509Certificate, webcrypto } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerError } from '../errors/ledger-error.js';
import { loadX509, pkcs8Pem } from './x509.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface LocalTlsFiles {
  dir: string;
  ca: string;
  caKey: string;
  nodeCert(n: number): string;
  nodeKey(n: number): string;
}

export function localTlsFiles(stackRoot: string): LocalTlsFiles {
  const dir = join(stackRoot, 'tls');
  return { dir, ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), nodeCert: (n) => join(dir, `node-${n}.pem`), nodeKey: (n) => join(dir, `node-${n}-key.pem`) };
}

function writeSecret(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function serial(): string {
  // a positive 64-bit serial (RFC 5280 section 4.1.2.2)
  const b = webcrypto.getRandomValues(new Uint8Array(8));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

/**
 * Makes the stack's CA (once) and a server certificate for each node that lacks one, for the
 * given names and IP addresses. Existing files are kept: a stack's certificates survive restarts.
 * @throws LedgerError STORE_FORMAT when a certificate is present without its key or the CA is unreadable
 */
export async function ensureLocalTls(stackRoot: string, nodes: number, hosts: { ips: string[]; dns: string[] }): Promise<LocalTlsFiles> {
  const files = localTlsFiles(stackRoot);
  const missing = Array.from({ length: nodes }, (_, i) => i + 1).filter((n) => !existsSync(files.nodeCert(n)) || !existsSync(files.nodeKey(n)));
  if (missing.length === 0 && existsSync(files.ca)) return files;
  const x509 = await loadX509();
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const now = Date.now();
  let caCert: InstanceType<typeof x509.X509Certificate>;
  let caKey: CryptoKey;
  if (existsSync(files.ca) && existsSync(files.caKey)) {
    try {
      caCert = new x509.X509Certificate(readFileSync(files.ca, 'utf8'));
      const der = Buffer.from(readFileSync(files.caKey, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
      caKey = await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
    } catch (e) {
      throw new LedgerError('STORE_FORMAT', `${files.ca} or ${files.caKey} is not a P-256 certificate and key: ${(e as Error).message}`, { file: files.ca });
    }
  } else if (existsSync(files.ca) || existsSync(files.caKey)) {
    throw new LedgerError('STORE_FORMAT', `${files.dir} has one of ca.pem and ca-key.pem without the other: remove the folder to make new certificates`, { file: files.dir });
  } else {
    const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=ledger local stack CA, O=ledger',
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 3650 * DAY_MS),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caKey = keys.privateKey;
    writeSecret(files.caKey, pkcs8Pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)));
    writeFileSync(files.ca, caCert.toString('pem'));
  }
  for (const n of missing) {
    for (const p of [files.nodeKey(n), files.nodeCert(n)]) if (existsSync(p)) throw new LedgerError('STORE_FORMAT', `${p} is present without its pair: remove it to make a new certificate`, { file: p });
    const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=ledger node ${n}`,
      issuer: caCert.subject,
      notBefore: new Date(now - DAY_MS),
      // 825 days: what browsers accept for a server certificate
      notAfter: new Date(now + 825 * DAY_MS),
      signingKey: caKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...hosts.dns.map((value) => ({ type: 'dns' as const, value })), ...hosts.ips.map((value) => ({ type: 'ip' as const, value }))]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ],
    });
    writeSecret(files.nodeKey(n), pkcs8Pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)));
    writeFileSync(files.nodeCert(n), cert.toString('pem'));
  }
  // what node:tls will see: every certificate checks against the CA
  const ca = new X509Certificate(readFileSync(files.ca));
  for (let n = 1; n <= nodes; n++) {
    if (!new X509Certificate(readFileSync(files.nodeCert(n))).verify(ca.publicKey)) {
      throw new LedgerError('STORE_FORMAT', `${files.nodeCert(n)} is not signed by ${files.ca}`, { file: files.nodeCert(n) });
    }
  }
  return files;
}
