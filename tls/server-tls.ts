/**
 * @module tls/server-tls
 * The TLS of a node's one port (issue 22): the API's certificate (P-256 from the stack's CA or the
 * operator's own, for browsers and curl) and the node's Ed25519 identity (tls/identity.ts, for the
 * peer links) on the same server; OpenSSL shows each client the certificate its signature
 * algorithms allow (a peer offers Ed25519 only). The server asks every client for a certificate
 * without requiring one: the API authenticates by signed requests, the peer path by the pinned key.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { LedgerError } from '../errors/ledger-error.js';
import type { TlsIdentity } from './identity.js';
import { readPemFile } from './pem-file.js';

/** The largest PEM file read (a certificate chain). */
const MAX_PEM_BYTES = 64 * 1024;

export interface ApiCertificate {
  certPem: string;
  keyPem: string;
  /** The certificate's names, for the node's start line. */
  subjectAltName: string;
  validTo: string;
}

/**
 * Reads and checks the API's certificate and key: both parse, the key is the certificate's, the
 * certificate is valid now.
 * @throws LedgerError FILE_UNREADABLE, BAD_ARGUMENT naming the file and the problem
 */
export function loadApiCertificate(certPath: string, keyPath: string, now = new Date()): ApiCertificate {
  const certPem = readPemFile(certPath, 'tls.cert', MAX_PEM_BYTES);
  const keyPem = readPemFile(keyPath, 'tls.key', MAX_PEM_BYTES);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    throw new LedgerError('BAD_ARGUMENT', `tls.cert ${certPath}: not an X.509 certificate (${(e as Error).message})`, { file: certPath });
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch (e) {
    throw new LedgerError('BAD_ARGUMENT', `tls.key ${keyPath}: not a private key (${(e as Error).message})`, { file: keyPath });
  }
  if (!matches) throw new LedgerError('BAD_ARGUMENT', `tls.key ${keyPath} is not the key of tls.cert ${certPath}`, { file: keyPath });
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
    throw new LedgerError('BAD_ARGUMENT', `tls.cert ${certPath} is valid from ${cert.validFrom} to ${cert.validTo}, not now`, { file: certPath });
  }
  return { certPem, keyPem, subjectAltName: cert.subjectAltName ?? '', validTo: cert.validTo };
}

/** The HTTPS server options of a node: both certificates, TLS 1.3, a client certificate asked for. */
export function nodeServerOptions(api: ApiCertificate, identity: TlsIdentity): ServerOptions {
  return {
    key: [identity.keyPem, api.keyPem],
    cert: [identity.certPem, api.certPem],
    minVersion: 'TLSv1.3',
    requestCert: true,
    // a client without a certificate is an API caller; the peer path checks the pin itself
    rejectUnauthorized: false,
  };
}

/** The DER certificate a TLS peer showed (undefined for none or a plain socket). */
export function peerCertificateDer(socket: unknown): Uint8Array | undefined {
  const s = socket as Partial<TLSSocket>;
  if (typeof s.getPeerCertificate !== 'function') return undefined;
  const raw = s.getPeerCertificate(true)?.raw;
  return raw === undefined ? undefined : new Uint8Array(raw);
}
