/**
 * @module producers/signed-fetch
 * The client side of the API's authentication (api/request-auth.ts): `fetch` with the RFC 9421
 * fields of a key the chain registers (api/http-signature.ts), a fresh nonce and the current time.
 * The CLI (`ledger sign-request`, `ledger audit --api`), the chaos checker and the tests use it.
 */
import { randomBytes } from 'node:crypto';
import { contentDigestOf, signRequest } from './http-signature.js';

/** A key and the keyid it signs as (`department/<id>/<version>` or `node/<index>`). */
export interface RequestSigner {
  keyid: string;
  sign(message: Uint8Array): Uint8Array;
}

/** The header fields that sign one request to `url` (fresh nonce, created now). */
export function signedHeaders(signer: RequestSigner, method: string, url: string, body?: Uint8Array, now: number = Date.now()): Record<string, string> {
  const u = new URL(url);
  return signRequest(
    { method, authority: u.host, path: u.pathname, query: u.search.replace(/^\?/, ''), ...(body !== undefined && body.length > 0 ? { contentDigest: contentDigestOf(body) } : {}) },
    signer,
    { created: Math.floor(now / 1000), nonce: randomBytes(16).toString('base64url') },
  );
}

/** `fetch` signed by `signer` (unsigned when it is undefined). */
export async function signedFetch(signer: RequestSigner | undefined, url: string, init: Omit<RequestInit, 'body'> & { body?: Uint8Array | string } = {}): Promise<Response> {
  const { body: given, ...rest } = init;
  const method = (rest.method ?? 'GET').toUpperCase();
  const body = typeof given === 'string' ? new TextEncoder().encode(given) : given;
  const headers = new Headers(rest.headers);
  if (signer !== undefined) for (const [k, v] of Object.entries(signedHeaders(signer, method, url, body))) headers.set(k, v);
  return fetch(url, { ...rest, method, headers, ...(body !== undefined ? { body: Buffer.from(body) } : {}) });
}
