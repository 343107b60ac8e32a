/**
 * The one block fold (ledger/block-fold.ts) and the named cut (consensus/cut.ts) against a chain
 * stored before they existed (test/vectors/chain-v1, made by the node core of commit 753e2a9 from
 * the scenario chain: see its README): cutting the same records again gives every block and header
 * byte for byte, and replaying the stored blocks through the fold reproduces every root.
 */
import { readFileSync } from 'node:fs';
import { MemoryLevel } from 'memory-level';
import { describe, expect, it } from 'vitest';
import { BlockFold, replayBlock, rootsDifference } from '../../ledger/block-fold.js';
import { toHex } from '../../ledger/bytes.js';
import { loadGenesis } from '../../ledger/genesis.js';
import { MerkleFrontier } from '../../ledger/merkle-hash.js';
import { BlockState, rulesFromGenesis } from '../../ledger/state-machine.js';
import { StateStore, type AnyDb } from '../../ledger/state-store.js';
import { verifyEd25519 } from '../../ledger/signature.js';
import { decode, encode } from '../../proto/codec.js';
import { buildScenarioChain } from '../helpers/scenario-chain.js';

const DIR = new URL('../vectors/chain-v1/', import.meta.url);

function frames(file: string): Uint8Array[] {
  const b = readFileSync(new URL(file, DIR));
  const out: Uint8Array[] = [];
  for (let at = 0; at < b.length; ) {
    const n = b.readUInt32BE(at);
    out.push(new Uint8Array(b.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return out;
}

const genesisBytes = new Uint8Array(readFileSync(new URL('genesis.bin', DIR)));
const storedBlocks = frames('blocks.bin');
const storedHeaders = frames('headers.bin');

describe('the block fold against a chain stored before it', () => {
  it('the fixture is a chain of several blocks covering every payload family', () => {
    expect(storedBlocks.length).toBeGreaterThan(10);
    expect(storedHeaders.length).toBe(storedBlocks.length);
  });

  it('cutting the same records gives every block and header byte for byte', async () => {
    const { chain } = await buildScenarioChain();
    expect(chain.genesis.bytes).toEqual(genesisBytes);
    expect(chain.height).toBe(BigInt(storedBlocks.length));
    for (let h = 1n; h <= chain.height; h++) {
      const i = Number(h) - 1;
      expect(toHex((await chain.core.blocks.blockBytes(h))!), `block ${h}`).toBe(toHex(storedBlocks[i]!));
      expect(toHex(encode('BlockHeader', (await chain.core.blocks.header(h))!)), `header ${h}`).toBe(toHex(storedHeaders[i]!));
    }
  });

  it('replaying the stored blocks through the fold reproduces every root, and names a changed one with both values', async () => {
    const genesis = loadGenesis(genesisBytes);
    const rules = rulesFromGenesis(genesis.genesis);
    const state = await StateStore.open(new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb);
    const log = new MerkleFrontier();
    let previousBlockTime = 0n;
    for (const [i, bytes] of storedBlocks.entries()) {
      const block = decode('Block', bytes, genesis.limits);
      const header = block.header!;
      expect(encode('BlockHeader', header)).toEqual(storedHeaders[i]);
      const bs = BlockState.open(state, { rules, height: header.height, logSize: log.size });
      const fold = new BlockFold(bs, log);
      await bs.prefetch(block.events.map((e) => e.event!));
      const r = await replayBlock(block, fold, verifyEd25519, previousBlockTime);
      expect(r.ok, `block ${header.height}: ${JSON.stringify(!r.ok && r.difference)}`).toBe(true);
      if (!r.ok) return;
      // the events the fold included are the stored ones, in order, with their codes
      expect(encode('Block', { header, events: fold.included })).toEqual(bytes);
      const changed = { ...header, stateRoot: new Uint8Array(32).fill(9) };
      expect(rootsDifference(r.roots, changed)).toEqual({ field: 'state_root', expected: '09'.repeat(32), found: toHex(header.stateRoot) });
      await state.writeBatch(r.roots.stateWrites);
      bs.markCommitted();
      previousBlockTime = header.blockTimeMs;
    }
  });

  it('a block whose stored result differs is named at its event', async () => {
    const genesis = loadGenesis(genesisBytes);
    const state = await StateStore.open(new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb);
    const block = decode('Block', storedBlocks[0]!, genesis.limits);
    block.events[0]!.resultCode = 99;
    const bs = BlockState.open(state, { rules: rulesFromGenesis(genesis.genesis), height: 1n, logSize: 0n });
    await bs.prefetch(block.events.map((e) => e.event!));
    const r = await replayBlock(block, new BlockFold(bs, new MerkleFrontier()), verifyEd25519);
    expect(r).toMatchObject({ ok: false, difference: { field: 'result', event: 0, found: 'OK' } });
  });
});
