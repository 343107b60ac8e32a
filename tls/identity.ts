/**
 * @module tls/identity
 * A node's TLS identity on the peer links (issue 22): a self-signed X.509 certificate over the
 * node's own Ed25519 key, the one the genesis lists. A peer is pinned by that key alone (no CA, no
 * names, no dates): the dialer checks the certificate the server shows, the server the one the
 * dialer shows, against the genesis. The certificate is made in memory at start, the same bytes
 * every time (Ed25519 signatures are deterministic and its fields fixed), and never written.
 */
import { X509Certificate, webcrypto } from 'node:crypto';
import type { SigningKey } from '../ledger/key-file.js';
import { bytesEqual } from '../ledger/bytes.js';
import { loadX509, pkcs8Pem } from './x509.js';

export interface TlsIdentity {
  /** PKCS#8 PEM of the node key: for node:tls only, in memory. */
  keyPem: string;
  certPem: string;
}

/** The node's self-signed Ed25519 certificate and its key, for the peer links. */
export async function nodeIdentity(key: SigningKey, nodeIndex: number): Promise<TlsIdentity> {
  const x509 = await loadX509();
  const keyObject = key.toPrivateKeyObject();
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, true, ['verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (nodeIndex + 1).toString(16).padStart(2, '0'),
    name: `CN=ledger node ${nodeIndex}`,
    // fixed dates: the pin is the key, not the validity (DESIGN.md section 8, issue 22)
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(9999, 11, 31)),
    keys: { privateKey, publicKey },
    signingAlgorithm: { name: 'Ed25519' },
  });
  return { keyPem: pkcs8Pem(der), certPem: cert.toString('pem') };
}

/** The raw Ed25519 public key of a DER certificate, or undefined for any other certificate. */
export function ed25519KeyOfCertificate(der: Uint8Array | undefined): Uint8Array | undefined {
  if (der === undefined || der.length === 0) return undefined;
  try {
    const pub = new X509Certificate(der).publicKey;
    if (pub.asymmetricKeyType !== 'ed25519') return undefined;
    const x = pub.export({ format: 'jwk' }).x;
    return x === undefined ? undefined : new Uint8Array(Buffer.from(x, 'base64url'));
  } catch {
    return undefined;
  }
}

/** The index of the genesis node whose key a certificate carries, or undefined. */
export function pinnedNodeIndex(nodes: ReadonlyArray<{ index: number; publicKey: Uint8Array }>, der: Uint8Array | undefined): number | undefined {
  const key = ed25519KeyOfCertificate(der);
  if (key === undefined) return undefined;
  return nodes.find((n) => bytesEqual(n.publicKey, key))?.index;
}
