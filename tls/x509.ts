/**
 * @module tls/x509
 * The X.509 library (@peculiar/x509), loaded on first use: it needs the reflect-metadata polyfill
 * before it loads, and only the commands that make certificates pay for it. Keys come from
 * node:crypto's WebCrypto.
 */
import { webcrypto } from 'node:crypto';

type X509 = typeof import('@peculiar/x509');
let loaded: Promise<X509> | undefined;

export function loadX509(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return loaded;
}

/** A private key as PKCS#8 PEM (what node:tls takes). */
export function pkcs8Pem(der: ArrayBuffer | Uint8Array): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}
