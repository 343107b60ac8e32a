/**
 * @module exchange/request-auth
 * A department's signed HTTP request, checked against the department keys the chain registers
 * (DESIGN.md section 5: keys by version, active, retired, compromised; suspension). The exchange
 * point authenticates its callers with it; any server that must know which department asks can
 * reuse it (the roles of issue 22).
 *
 * The signature is Ed25519 (DESIGN.md section 4's rule) over
 *   SHA-256("ledger:request:v1" || u16 len method || method || u16 len path || path || u64 time ms
 *           || SHA-256(body))
 * carried in four headers: `x-ledger-department`, `x-ledger-key-version`, `x-ledger-time` (ms since
 * the Unix epoch) and `x-ledger-signature` (hex). The time must be within `maxSkewMs` of the
 * server's clock (a captured request cannot be replayed later); the caller adds its own unique
 * request id to the body so that a replay inside the window is recognised by the service.
 */
import { fromHex, lp16, toHex, tryFromHex, u64be, utf8 } from '../ledger/bytes.js';
import type { Signer } from '../ledger/event.js';
import { sha256, TAG, taggedHash } from '../ledger/hash.js';
import { verifyEd25519 } from '../ledger/signature.js';
import { LedgerError } from '../errors/ledger-error.js';
import { isIdentifier } from '../proto/limits.js';

export const REQUEST_HEADERS = {
  department: 'x-ledger-department',
  keyVersion: 'x-ledger-key-version',
  time: 'x-ledger-time',
  signature: 'x-ledger-signature',
} as const;

/** Five minutes either way. */
export const DEFAULT_MAX_SKEW_MS = 300_000;

/** What the checker needs of a registered department (from the committed chain). */
export interface RegisteredDepartment {
  suspended: boolean;
  /** Key versions that sign from now on (not retired, not compromised). */
  activeKeys: ReadonlyMap<number, Uint8Array>;
}

export type DepartmentLookup = (departmentId: string) => Promise<RegisteredDepartment | undefined>;

/** The 32 bytes a request's signature is over. */
export function requestMessage(method: string, path: string, timeMs: bigint, body: Uint8Array): Uint8Array {
  return taggedHash(TAG.request, lp16(utf8(method.toUpperCase())), lp16(utf8(path)), u64be(timeMs), sha256(body));
}

/** The headers of a request signed by `departmentId`'s key `keyVersion`. */
export function signRequest(signer: Signer, departmentId: string, keyVersion: number, method: string, path: string, body: Uint8Array, timeMs: bigint): Record<string, string> {
  return {
    [REQUEST_HEADERS.department]: departmentId,
    [REQUEST_HEADERS.keyVersion]: String(keyVersion),
    [REQUEST_HEADERS.time]: timeMs.toString(),
    [REQUEST_HEADERS.signature]: toHex(signer.sign(requestMessage(method, path, timeMs, body))),
  };
}

export interface AuthenticatedRequest {
  departmentId: string;
  keyVersion: number;
  /** SHA-256 of the signed message (what a service may commit to, e.g. ExchangeRead.request_digest). */
  digest: Uint8Array;
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string {
  const v = headers[name];
  if (typeof v !== 'string' || v === '') throw new LedgerError('UNAUTHENTICATED', `the request has no ${name} header (sign it with the department key: exchange/request-auth.ts)`, { header: name });
  return v;
}

/**
 * Checks a signed request.
 * @throws LedgerError UNAUTHENTICATED naming what is wrong: a missing or malformed header, a time
 *   outside the window, an unknown or suspended department, a key version that does not sign now,
 *   a signature that does not verify
 */
export async function authenticateRequest(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  method: string,
  path: string,
  body: Uint8Array,
  lookup: DepartmentLookup,
  nowMs: number,
  maxSkewMs = DEFAULT_MAX_SKEW_MS,
): Promise<AuthenticatedRequest> {
  const departmentId = header(headers, REQUEST_HEADERS.department);
  if (!isIdentifier(departmentId)) throw new LedgerError('UNAUTHENTICATED', `${REQUEST_HEADERS.department} is not a department id`, {});
  const versionText = header(headers, REQUEST_HEADERS.keyVersion);
  if (!/^[1-9]\d{0,9}$/.test(versionText)) throw new LedgerError('UNAUTHENTICATED', `${REQUEST_HEADERS.keyVersion} must be a key version (1, 2, ...)`, {});
  const keyVersion = Number(versionText);
  const timeText = header(headers, REQUEST_HEADERS.time);
  if (!/^\d{1,16}$/.test(timeText)) throw new LedgerError('UNAUTHENTICATED', `${REQUEST_HEADERS.time} must be milliseconds since the Unix epoch`, {});
  const timeMs = BigInt(timeText);
  if (Math.abs(Number(timeMs) - nowMs) > maxSkewMs) {
    throw new LedgerError('UNAUTHENTICATED', `${REQUEST_HEADERS.time} is more than ${maxSkewMs} ms from this server's clock (a replayed request, or a clock off)`, { timeMs: timeText, nowMs });
  }
  const signature = tryFromHex(header(headers, REQUEST_HEADERS.signature));
  if (signature === undefined || signature.length !== 64) throw new LedgerError('UNAUTHENTICATED', `${REQUEST_HEADERS.signature} must be 64 bytes in hex`, {});
  const dept = await lookup(departmentId);
  if (dept === undefined) throw new LedgerError('UNAUTHENTICATED', `department ${departmentId} is not registered on the chain`, { departmentId });
  if (dept.suspended) throw new LedgerError('UNAUTHENTICATED', `department ${departmentId} is suspended`, { departmentId });
  const key = dept.activeKeys.get(keyVersion);
  if (key === undefined) throw new LedgerError('UNAUTHENTICATED', `key version ${keyVersion} of ${departmentId} does not sign now (unknown, retired or compromised)`, { departmentId, keyVersion });
  const message = requestMessage(method, path, timeMs, body);
  if (!verifyEd25519(key, message, signature)) throw new LedgerError('UNAUTHENTICATED', `the request signature does not verify under key version ${keyVersion} of ${departmentId}`, { departmentId, keyVersion });
  return { departmentId, keyVersion, digest: sha256(message) };
}

/** A RegisteredDepartment from a node's `GET /v1/departments/{id}` answer. @throws LedgerError MALFORMED */
export function registeredFromApi(json: unknown): RegisteredDepartment {
  const j = json as { record?: { suspended?: unknown }; keys?: Array<{ version?: unknown; publicKey?: unknown; retiredAt?: unknown; compromisedFrom?: unknown }> };
  if (typeof j !== 'object' || j === null || !Array.isArray(j.keys)) throw new LedgerError('MALFORMED', 'a department answer without keys', {});
  const activeKeys = new Map<number, Uint8Array>();
  for (const k of j.keys) {
    if (typeof k.version !== 'number' || typeof k.publicKey !== 'string') throw new LedgerError('MALFORMED', 'a department key without version or public key', {});
    if (k.retiredAt === null && k.compromisedFrom === null) activeKeys.set(k.version, fromHex(k.publicKey, 'publicKey'));
  }
  return { suspended: j.record?.suspended === true, activeKeys };
}
