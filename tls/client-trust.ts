/**
 * @module tls/client-trust
 * Which certificate authorities this process's HTTPS calls trust (issue 22): the system's roots
 * and, for a local stack, its own CA (`<stack>/tls/ca.pem`). Every `fetch` of the process goes
 * through undici's global dispatcher, so one call covers the CLI's, the demo's and the exchange
 * point's requests alike. The CA file comes from `--cacert` or LEDGER_CA_FILE.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { LedgerError } from '../errors/ledger-error.js';
import { readPemFile } from './pem-file.js';

export const CA_FILE_ENV = 'LEDGER_CA_FILE';
const MAX_CA_BYTES = 256 * 1024;

const trusted = new Set<string>();

/** Reads a PEM file of one or more CA certificates, each checked to parse. */
export function readCaFile(path: string, what = '--cacert'): string {
  const text = readPemFile(path, what, MAX_CA_BYTES);
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new LedgerError('BAD_ARGUMENT', `${what} ${path}: no PEM certificate in it`, { file: path });
  for (const pem of pems) {
    try {
      if (!new X509Certificate(pem).ca) throw new Error('not a CA certificate (basicConstraints cA is false)');
    } catch (e) {
      throw new LedgerError('BAD_ARGUMENT', `${what} ${path}: ${(e as Error).message}`, { file: path });
    }
  }
  return pems.join('\n');
}

/** Adds CA certificates (PEM) to what this process's fetch trusts, beside the system's roots. */
export function trustCertificateAuthorities(pem: string): void {
  if (trusted.has(pem)) return;
  trusted.add(pem);
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, ...trusted] } }));
}

/** Trusts the CA file named by `--cacert` (given) or LEDGER_CA_FILE, if either is set. */
export function trustConfiguredAuthorities(cacert?: string): void {
  const file = cacert ?? process.env[CA_FILE_ENV];
  if (file === undefined || file === '') return;
  trustCertificateAuthorities(readCaFile(file, cacert !== undefined ? '--cacert' : CA_FILE_ENV));
}

/** The CA certificates this process trusts beyond the system's (for ws clients, which do not use fetch). */
export function trustedAuthorities(): string[] | undefined {
  return trusted.size === 0 ? undefined : [...rootCertificates, ...trusted];
}

/** OpenSSL's verification failures, as undici reports them in an error's cause. */
const UNTRUSTED_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** Why a failed fetch failed, with what to do when the node's certificate is not trusted. */
export function fetchFailureReason(e: unknown): string {
  const cause = (e as { cause?: Error & { code?: string } }).cause;
  const why = cause?.message ?? (e as Error).message;
  if (cause?.code !== undefined && UNTRUSTED_CODES.has(cause.code)) {
    return `${why} (${cause.code}): the node's TLS certificate is not trusted here; give --cacert FILE or set ${CA_FILE_ENV} (a local stack's CA is <stack>/tls/ca.pem)`;
  }
  return why;
}
