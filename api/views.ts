/**
 * @module api/views
 * JSON views of headers, commits, blocks and included events (api/json.ts conventions), and the
 * lookups several route modules share.
 */
import { bytesEqual } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { headerHash } from '../ledger/hash.js';
import { resultName } from '../ledger/result-codes.js';
import { decode, encode } from '../proto/codec.js';
import type { Block, BlockHeader, Commit, EventBody, IncludedEvent } from '../proto/schema.generated.js';
import type { ApiContext } from './context.js';
import { toJson, type Json } from './json.js';

export function headerView(header: BlockHeader): { [k: string]: Json } {
  return { headerHash: toJson(headerHash(encode('BlockHeader', header))), ...(toJson(header) as { [k: string]: Json }) };
}

export function commitView(commit: Commit): Json {
  return toJson(commit);
}

/** The payload case of an event body (its one set payload field). */
export function payloadCase(body: EventBody): string | undefined {
  for (const [k, v] of Object.entries(body)) {
    if (v !== undefined && typeof v === 'object' && !(v instanceof Uint8Array) && !['channel', 'departmentId', 'keyVersion', 'sequence', 'clientTimeMs'].includes(k)) return k;
  }
  return undefined;
}

/** An included event: where it is, its fate, and its decoded body. */
export function eventView(ctx: ApiContext, height: bigint, index: number, logPosition: bigint, e: IncludedEvent, eventIdValue: Uint8Array): { [k: string]: Json } {
  const body = decode('EventBody', e.event!.body, ctx.genesis.limits);
  return {
    eventId: toJson(eventIdValue),
    height: height.toString(),
    index,
    logPosition: logPosition.toString(),
    resultCode: e.resultCode,
    resultName: resultName(e.resultCode) ?? null,
    offset: e.offset.toString(),
    recordTimeMs: e.recordTimeMs.toString(),
    departmentId: body.departmentId,
    keyVersion: body.keyVersion,
    sequence: body.sequence.toString(),
    payloadType: payloadCase(body) ?? null,
    body: toJson(body),
    signedEvent: { body: toJson(e.event!.body), signature: toJson(e.event!.signature) },
  };
}

/** A committed block; NOT_FOUND past the head. */
/** NOT_FOUND unless `height` is a committed block's (1..head): a range check, no read. */
export function requireCommitted(ctx: ApiContext, height: bigint): void {
  if (height < 1n || height > ctx.blocks.head.height) {
    throw new LedgerError('NOT_FOUND', `no committed block at height ${height} (the head is ${ctx.blocks.head.height})`, { height: height.toString(), head: ctx.blocks.head.height.toString() });
  }
}

export async function blockAt(ctx: ApiContext, height: bigint): Promise<Block> {
  requireCommitted(ctx, height);
  const b = await ctx.blocks.block(height);
  if (b === undefined) throw new LedgerError('NOT_FOUND', `no committed block at height ${height}`, { height: height.toString() });
  return b;
}

/** The head header (undefined before block 1). */
export async function headHeader(ctx: ApiContext): Promise<BlockHeader | undefined> {
  const h = ctx.blocks.head.height;
  return h === 0n ? undefined : ctx.blocks.header(h);
}

/**
 * The RFC 9162 inclusion proof of log position `index` against the head's log, with the header it
 * is checked against (its log size and root).
 */
export async function inclusionView(ctx: ApiContext, index: bigint): Promise<{ [k: string]: Json }> {
  const header = await headHeader(ctx);
  if (header === undefined) throw new LedgerError('NOT_FOUND', 'the log is empty', {});
  const size = Number(header.logSize);
  if (size > ctx.merkle.size) throw new LedgerError('INTERNAL', 'the Merkle log is behind the head header', {});
  const hashes = await ctx.merkle.inclusionProof(Number(index), size);
  const root = await ctx.merkle.rootAt(size);
  if (!bytesEqual(root, header.logRoot)) throw new LedgerError('INTERNAL', 'the Merkle log disagrees with the head header', {});
  return {
    leafIndex: index.toString(),
    logSize: header.logSize.toString(),
    logRoot: toJson(header.logRoot),
    height: header.height.toString(),
    headerHash: toJson(headerHash(encode('BlockHeader', header))),
    hashes: hashes.map((h) => toJson(h)),
  };
}
