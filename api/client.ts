/**
 * @module api/client
 * A small client of a node's API for the remote tools: `ledger proof --api URL` (bundles),
 * `ledger audit --api URL` (the auditor's ChainSource over GET /v1/genesis, /v1/head and
 * /v1/blocks/{height}/raw, DESIGN.md section 11), and the department client's pruning
 * (which of its acknowledged events are committed). Every answer is size-limited and checked; an
 * error answer `{code, message}` becomes the LedgerError of that code; a node that cannot be
 * reached is UNAVAILABLE.
 */
import { signedFetch, signedGetPatiently, type RequestSigner } from '../producers/signed-fetch.js';
import { concatBytes, toHex } from '../ledger/bytes.js';
import { ERROR_CODES, LedgerError, type ErrorCode } from '../errors/ledger-error.js';
import { decode, encode } from '../proto/codec.js';
import { DEFAULT_LIMITS } from '../proto/limits.js';
import { fetchFailureReason } from '../tls/client-trust.js';
import type { ChainSource } from '../verifier/audit-source.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_JSON_BYTES = 4 << 20;
/** A block of max_block_bytes with its framing and commit. */
const MAX_RAW_BLOCK_BYTES = 16 << 20;
const MAX_BUNDLE_BYTES = 64 * 1024;

/** Checks and normalises a node's base URL (`http://host:port`, no trailing slash). */
export function apiBase(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LedgerError('BAD_ARGUMENT', `--api: ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:7101)`, { url });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LedgerError('BAD_ARGUMENT', `--api: ${url} is not an http(s) URL`, { url });
  return u.toString().replace(/\/+$/, '');
}

export class ApiClient {
  readonly base: string;
  /**
   * @param signer signs every request (RFC 9421, producers/signed-fetch.ts) for a node in the
   *   signed API mode; undefined: unsigned (public routes, or the open local mode)
   */
  constructor(
    url: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    private readonly signer?: RequestSigner,
  ) {
    this.base = apiBase(url);
  }

  /** GET `path`; the body's bytes (at most `maxBytes`), or undefined on 404 when `allow404`. */
  async bytes(path: string, maxBytes: number, allow404 = false): Promise<Uint8Array | undefined> {
    let r: Response;
    try {
      // a node that limits this identity's reads (429) is waited for, not failed (producers/signed-fetch.ts)
      r = await signedGetPatiently(this.signer, `${this.base}${path}`, { timeoutMs: this.timeoutMs });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : fetchFailureReason(e);
      throw new LedgerError('UNAVAILABLE', `cannot reach ${this.base}${path}: ${why}`, { url: this.base });
    }
    const body = await readCapped(r, Math.max(maxBytes, MAX_JSON_BYTES), `${this.base}${path}`);
    if (r.status === 404 && allow404) return undefined;
    if (!r.ok) throw errorOf(r.status, body, `${this.base}${path}`);
    if (body.length > maxBytes) throw new LedgerError('PAYLOAD_TOO_LARGE', `${this.base}${path} answered ${body.length} bytes; the limit is ${maxBytes}`, {});
    return body;
  }

  async json<T>(path: string): Promise<T> {
    const b = (await this.bytes(path, MAX_JSON_BYTES))!;
    try {
      return JSON.parse(new TextDecoder().decode(b)) as T;
    } catch {
      throw new LedgerError('MALFORMED', `${this.base}${path} did not answer JSON`, {});
    }
  }

  /** A certificate's or grant's binary proof bundle (DESIGN.md section 10). */
  async bundle(target: { kind: 'certificate' | 'grant'; id: string }, options: { fromLogSize?: bigint; witnessed?: boolean } = {}): Promise<Uint8Array> {
    const kind = target.kind === 'certificate' ? 'certificates' : 'grants';
    const q = `${options.fromLogSize !== undefined ? `&fromLogSize=${options.fromLogSize}` : ''}${options.witnessed ? '&witnessed=true' : ''}`;
    return (await this.bytes(`/v1/${kind}/${encodeURIComponent(target.id)}/bundle?format=binary${q}`, MAX_BUNDLE_BYTES))!;
  }

  /** Which of these event ids are committed, with their heights (the department client's pruning). */
  async committed(eventIds: Uint8Array[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    for (const id of eventIds) {
      const b = await this.bytes(`/v1/events/${toHex(id)}`, MAX_JSON_BYTES, true);
      if (b === undefined) continue;
      let j: { height?: unknown };
      try {
        j = JSON.parse(new TextDecoder().decode(b)) as { height?: unknown };
      } catch {
        throw new LedgerError('MALFORMED', `${this.base}/v1/events/${toHex(id)} did not answer JSON`, {});
      }
      if (typeof j?.height === 'string' && /^\d+$/.test(j.height)) out.set(toHex(id), BigInt(j.height));
    }
    return out;
  }
}

/**
 * A response's body, read chunk by chunk and abandoned past `limit` bytes: a hostile or broken node
 * cannot make a remote tool (`--api URL`) hold an unbounded answer in memory.
 */
async function readCapped(r: Response, limit: number, url: string): Promise<Uint8Array> {
  const declared = Number(r.headers.get('content-length') ?? '0');
  if (declared > limit) {
    await r.body?.cancel().catch(() => undefined);
    throw new LedgerError('PAYLOAD_TOO_LARGE', `${url} answers ${declared} bytes; the limit is ${limit}`, {});
  }
  if (r.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = r.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new LedgerError('PAYLOAD_TOO_LARGE', `${url} answered more than ${limit} bytes`, {});
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

function errorOf(status: number, body: Uint8Array, url: string): LedgerError {
  try {
    const j = JSON.parse(new TextDecoder().decode(body)) as { code?: string; message?: string; details?: Record<string, unknown> };
    if (typeof j.code === 'string' && j.code in ERROR_CODES && typeof j.message === 'string') {
      return new LedgerError(j.code as ErrorCode, `${url}: ${j.message}`, j.details ?? {});
    }
  } catch {
    /* not our error format */
  }
  return new LedgerError(status >= 500 ? 'UNAVAILABLE' : 'BAD_ARGUMENT', `${url} answered HTTP ${status}`, { status });
}

/**
 * The auditor's ChainSource (verifier/audit-source.ts) over a node's API: the genesis, the head
 * height, and each block's stored bytes with its Commit's bytes from GET /v1/blocks/{h}/raw.
 */
export class HttpChainSource implements ChainSource {
  private readonly client: ApiClient;
  constructor(url: string, signer?: RequestSigner) {
    this.client = new ApiClient(url, DEFAULT_TIMEOUT_MS, signer);
  }

  get base(): string {
    return this.client.base;
  }

  async genesisBytes(): Promise<Uint8Array> {
    return (await this.client.bytes('/v1/genesis', 1 << 20))!;
  }

  async headHeight(): Promise<bigint> {
    const j = await this.client.json<{ height?: unknown }>('/v1/head');
    if (typeof j.height !== 'string' || !/^\d{1,20}$/.test(j.height)) throw new LedgerError('MALFORMED', `${this.base}/v1/head: no height`, {});
    return BigInt(j.height);
  }

  async block(height: bigint): Promise<{ block: Uint8Array; commit: Uint8Array } | undefined> {
    if (height < 1n) return undefined;
    const b = await this.client.bytes(`/v1/blocks/${height}/raw`, MAX_RAW_BLOCK_BYTES, true);
    if (b === undefined) return undefined;
    // strict decoding: the commit's bytes are its canonical encoding, as the node stored them
    // (only the envelope is decoded here; the auditor decodes the block under the genesis limits)
    const bwc = decode('BlockWithCommit', b, { ...DEFAULT_LIMITS, maxBlockBytes: MAX_RAW_BLOCK_BYTES / 2 });
    if (bwc.commit === undefined) throw new LedgerError('MALFORMED', `${this.base}/v1/blocks/${height}/raw has no commit`, {});
    return { block: bwc.block, commit: encode('Commit', bwc.commit) };
  }
}

/**
 * Prunes a department's outbox (producers/outbox.ts) by asking a node which of its acknowledged
 * entries are committed (GET /v1/events/{id}); returns how many entries went. For events that were
 * not submitted through the API (whose `?wait=commit` receipts prune directly).
 */
export async function pruneOutboxFromApi(
  outbox: { entries(): AsyncGenerator<{ sequence: bigint; eventId: Uint8Array; state: string }>; pruneCommitted(c: Array<{ sequence: bigint; eventId: Uint8Array }>): Promise<number> },
  url: string,
): Promise<number> {
  const api = new ApiClient(url);
  const acknowledged: Array<{ sequence: bigint; eventId: Uint8Array }> = [];
  for await (const e of outbox.entries()) if (e.state === 'acknowledged') acknowledged.push({ sequence: e.sequence, eventId: e.eventId });
  const committed = await api.committed(acknowledged.map((a) => a.eventId));
  return outbox.pruneCommitted(acknowledged.filter((a) => committed.has(toHex(a.eventId))));
}
