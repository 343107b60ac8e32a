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

/** How long a read waits in all for a rate-limited node before it gives up (ms). */
export const RATE_LIMIT_PATIENCE_MS = 120_000;

/**
 * A signed GET that honours the node's per-identity limit (api/rate-limit.ts): on 429 it waits the
 * answer's Retry-After (at least 1 s, at most 30 s), signs afresh (a nonce is accepted once) and
 * asks again, for at most `patienceMs` in all; then it returns the last 429. For readers that
 * walk the chain (the auditor over the API, the chaos checker): a well-behaved client slows down
 * instead of failing.
 */
export async function signedGetPatiently(signer: RequestSigner | undefined, url: string, init: { timeoutMs: number; patienceMs?: number }): Promise<Response> {
  const until = Date.now() + (init.patienceMs ?? RATE_LIMIT_PATIENCE_MS);
  for (;;) {
    const r = await signedFetch(signer, url, { signal: AbortSignal.timeout(init.timeoutMs) });
    if (r.status !== 429) return r;
    const retryAfter = Number(r.headers.get('retry-after'));
    const waitMs = Math.min(30_000, Math.max(1_000, Number.isFinite(retryAfter) ? retryAfter * 1000 : 1_000));
    if (Date.now() + waitMs > until) return r;
    await r.arrayBuffer(); // release the connection
    await new Promise((done) => setTimeout(done, waitMs));
  }
}
