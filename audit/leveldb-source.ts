/**
 * @module audit/leveldb-source
 * The auditor's ChainSource (verifier/audit-source.ts) over a node's LevelDB folder (a stopped
 * node's, or a copy): the stored bytes of the `blocks` and `commits` sublevels and the `chain`
 * head record (consensus/block-store.ts), read as they are, never through the block store's own
 * checks, so that a damaged folder is reported by the auditor rather than refused.
 */
import { u64be, utf8 } from '../ledger/bytes.js';
import type { AnyDb, AnySublevel } from '../ledger/state-store.js';
import type { ChainSource } from '../verifier/audit-source.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;

export class LevelDbChainSource implements ChainSource {
  private readonly blocks: AnySublevel;
  private readonly commits: AnySublevel;
  private readonly chain: AnySublevel;

  constructor(
    readonly db: AnyDb,
    private readonly genesis: Uint8Array,
  ) {
    this.blocks = db.sublevel('blocks', VIEW) as unknown as AnySublevel;
    this.commits = db.sublevel('commits', VIEW) as unknown as AnySublevel;
    this.chain = db.sublevel('chain', VIEW) as unknown as AnySublevel;
  }

  async genesisBytes(): Promise<Uint8Array> {
    return this.genesis;
  }

  /** The head record's height; without one (or a damaged one), the highest stored block. */
  async headHeight(): Promise<bigint> {
    const head = await this.chain.get(utf8('head'));
    if (head !== undefined && head.length === 48) return new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, false);
    const it = this.blocks.keys({ reverse: true, limit: 1 } as never) as unknown as { all(): Promise<Uint8Array[]> };
    const [last] = await it.all();
    return last === undefined || last.length !== 8 ? 0n : new DataView(last.buffer, last.byteOffset, 8).getBigUint64(0, false);
  }

  /** The header hash the head record names (undefined without a head record). */
  async headHeaderHash(): Promise<Uint8Array | undefined> {
    const head = await this.chain.get(utf8('head'));
    return head !== undefined && head.length === 48 ? head.slice(8, 40) : undefined;
  }

  async block(height: bigint): Promise<{ block: Uint8Array; commit: Uint8Array } | undefined> {
    const key = u64be(height);
    const [block, commit] = await Promise.all([this.blocks.get(key), this.commits.get(key)]);
    if (block === undefined) return undefined;
    return { block, commit: commit ?? new Uint8Array(0) };
  }
}
