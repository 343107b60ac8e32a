/**
 * @module exchange/exchange-client
 * The grantee's side of an exchange point read: signs the request with the department key
 * (exchange/request-auth.ts), posts it, and checks that the bytes served hash to the digest the
 * receipt names. A refusal comes back as READ_REFUSED with the chain's result code.
 */
import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { toHex, utf8 } from '../ledger/bytes.js';
import type { Signer } from '../ledger/event.js';
import { sha256 } from '../ledger/hash.js';
import { LedgerError, ERROR_CODES, type ErrorCode } from '../errors/ledger-error.js';
import { READ_PATH, type ReadAnswer, type ReadRequest } from './exchange-point.js';
import { signRequest } from './request-auth.js';
import { trustedAuthorities } from '../tls/client-trust.js';
import type { DataRow } from './data-source.js';

export interface ExchangeCaller {
  departmentId: string;
  keyVersion: number;
  key: Signer;
}

export interface ServedRead {
  eventId: string;
  height: bigint;
  dataSha256: string;
  rows: DataRow[];
}

/** A fresh request id (unique per department: the exchange point refuses a repeated one). */
export function newRequestId(): string {
  return `read-${toHex(new Uint8Array(randomBytes(12)))}`;
}

/**
 * Connections to one exchange point at most: more reads at once wait for a free connection (an
 * unbounded client opened thousands when the exchange point fell behind, and the listen backlog
 * overflowed into connection resets).
 */
export const MAX_CONNECTIONS = 256;

/**
 * Connections kept open between reads (an idle socket does not keep the process alive: the agent
 * unrefs it). node:http rather than fetch: a department's reads go through this one call, and
 * fetch's per-request work was a large part of the grantee's CPU per read (issue 21).
 */
const agents = { http: new HttpAgent({ keepAlive: true, timeout: 30_000, maxSockets: MAX_CONNECTIONS }), https: new HttpsAgent({ keepAlive: true, timeout: 30_000, maxSockets: MAX_CONNECTIONS }) };

/** POSTs `body` and resolves with the status and the answer's text, all within `timeoutMs`. */
function post(url: URL, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:';
    // over HTTPS the CAs this process trusts beside the system's (tls/client-trust.ts: --cacert, LEDGER_CA_FILE)
    const ca = tls ? trustedAuthorities() : undefined;
    const req = (tls ? httpsRequest : httpRequest)(url, { method: 'POST', agent: tls ? agents.https : agents.http, ...(ca ? { ca } : {}), headers: { ...headers, 'content-length': String(body.length) } });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(body);
  });
}

/**
 * Asks the exchange point at `url` for a read.
 * @throws LedgerError READ_REFUSED (details: eventId, resultName), UNAUTHENTICATED, BAD_ARGUMENT,
 *   CHECK_FAILED when the served bytes do not hash to the digest, UNAVAILABLE
 */
export async function requestRead(url: string, caller: ExchangeCaller, request: Omit<ReadRequest, 'requestId'> & { requestId?: string }, timeoutMs = 60_000): Promise<ServedRead> {
  const body = utf8(JSON.stringify({ requestId: request.requestId ?? newRequestId(), ...request }));
  const headers = signRequest(caller.key, caller.departmentId, caller.keyVersion, 'POST', READ_PATH, body, BigInt(Date.now()));
  let r: { status: number; text: string };
  try {
    r = await post(new URL(`${url.replace(/\/+$/, '')}${READ_PATH}`), { 'content-type': 'application/json', ...headers }, body, timeoutMs);
  } catch (e) {
    throw new LedgerError('UNAVAILABLE', `cannot reach the exchange point ${url}: ${(e as Error).message}`, { url });
  }
  const ok = r.status >= 200 && r.status < 300;
  const text = r.text;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new LedgerError('MALFORMED', `the exchange point ${url} answered HTTP ${r.status} without JSON`, {});
  }
  if (!ok) {
    const code = typeof j.code === 'string' && j.code in ERROR_CODES ? (j.code as ErrorCode) : 'UNAVAILABLE';
    throw new LedgerError(code, String(j.message ?? `HTTP ${r.status}`), (j.details as Record<string, unknown>) ?? {});
  }
  const a = j as unknown as ReadAnswer;
  if (typeof a.dataText !== 'string' || typeof a.dataSha256 !== 'string' || typeof a.receipt?.eventId !== 'string') throw new LedgerError('MALFORMED', `the exchange point ${url} answered without data or receipt`, {});
  if (toHex(sha256(utf8(a.dataText))) !== a.dataSha256) throw new LedgerError('CHECK_FAILED', 'the served data does not hash to the digest of the receipt', { eventId: a.receipt.eventId });
  return { eventId: a.receipt.eventId, height: BigInt(a.receipt.height), dataSha256: a.dataSha256, rows: JSON.parse(a.dataText) as DataRow[] };
}
