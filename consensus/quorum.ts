/**
 * @module consensus/quorum
 * Votes and quorum (DESIGN.md section 8): the votes a node has heard per height (the first vote of a
 * node at a height wins), equivocation evidence (a node that signed two headers at one height,
 * reported once), the tally of a cut's votes (q matching votes of distinct genesis nodes, each
 * checkpoint co-signature checked), and the check of a peer's quorum-signed commit. Deterministic:
 * votes are grouped by header hash and signatures ordered by node index.
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { voteMessage } from '../ledger/block.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { headerHash as hashHeader } from '../ledger/hash.js';
import { verifyEd25519 } from '../ledger/signature.js';
import { encode } from '../proto/codec.js';
import type { BlockHeader, Commit, CommitSignature, Vote } from '../proto/schema.generated.js';
import type { Alarm } from './messages.js';

/** What the votes at a cut's height say: a quorum for the cut's header, a quorum for another one, or neither yet. */
export type Tally =
  | { kind: 'quorum'; signatures: CommitSignature[] }
  | { kind: 'other-header'; headerHash: string; voters: Vote[] }
  | { kind: 'short' };

export class VoteBook {
  /** Votes by height, then by node index (first vote of a node at a height wins). */
  private readonly votes = new Map<bigint, Map<number, Vote>>();
  /** `${node}/${height}` of equivocations already reported (evidence is raised once). */
  private readonly equivocationsReported = new Set<string>();

  constructor(
    private readonly genesis: LoadedGenesis,
    private readonly nodeIndex: number,
  ) {}

  /** A vote of another genesis node for this genesis whose vote signature verifies. */
  authentic(v: Vote): boolean {
    if (!bytesEqual(v.genesisHash, this.genesis.hash)) return false;
    const node = this.genesis.genesis.nodes[v.nodeIndex - 1];
    if (node === undefined || v.nodeIndex === this.nodeIndex) return false;
    return verifyEd25519(node.publicKey, voteMessage(this.genesis.hash, v.height, v.headerHash), v.signature);
  }

  /**
   * Records a vote. A second vote of a node at a height for another header is an equivocation:
   * `counted` is false and `alarm` carries the evidence the first time it is seen.
   */
  record(v: Vote): { counted: boolean; alarm?: Alarm } {
    let at = this.votes.get(v.height);
    if (at === undefined) {
      at = new Map();
      this.votes.set(v.height, at);
    }
    const existing = at.get(v.nodeIndex);
    if (existing === undefined) at.set(v.nodeIndex, v);
    if (existing === undefined || bytesEqual(existing.headerHash, v.headerHash)) return { counted: true };
    const key = `${v.nodeIndex}/${v.height}`;
    if (this.equivocationsReported.has(key)) return { counted: false };
    this.equivocationsReported.add(key);
    return {
      counted: false,
      alarm: {
        kind: 'EQUIVOCATION',
        height: v.height,
        message: `node ${v.nodeIndex} signed two different headers at height ${v.height}`,
        details: { node: v.nodeIndex, first: toHex(existing.headerHash), second: toHex(v.headerHash), firstSignature: toHex(existing.signature), secondSignature: toHex(v.signature) },
        halted: false,
      },
    };
  }

  /** The node indexes that voted at a height, in the order heard. */
  voters(height: bigint): number[] {
    return [...(this.votes.get(height)?.keys() ?? [])];
  }

  /** The alarm for a cut that found no quorum after waiting `waitedMs`, naming who voted. */
  noQuorum(height: bigint, waitedMs: number): Alarm {
    const voters = this.voters(height);
    return { kind: 'NO_QUORUM', height, message: `no quorum at height ${height} after ${waitedMs} ms (votes from ${voters.join(', ')})`, details: { voters }, halted: false };
  }

  /** Forgets the votes at committed heights. */
  forgetUpTo(height: bigint): void {
    for (const h of [...this.votes.keys()]) if (h <= height) this.votes.delete(h);
  }

  /**
   * Tallies the votes for a cut: q votes for its header whose checkpoint co-signatures verify (this
   * node's own vote counts as is) commit it; q votes for another header are a divergence.
   */
  tally(height: bigint, headerHash: Uint8Array, checkpoint: Uint8Array): Tally {
    const q = this.genesis.genesis.quorum;
    const at = this.votes.get(height) ?? new Map<number, Vote>();
    const groups = new Map<string, Vote[]>();
    for (const v of at.values()) {
      const k = toHex(v.headerHash);
      groups.set(k, [...(groups.get(k) ?? []), v]);
    }
    const validFor = (v: Vote): boolean => {
      const node = this.genesis.genesis.nodes[v.nodeIndex - 1]!;
      return bytesEqual(v.headerHash, headerHash) && verifyEd25519(node.publicKey, checkpoint, v.noteSignature);
    };
    const ours = (groups.get(toHex(headerHash)) ?? []).filter((v) => v.nodeIndex === this.nodeIndex || validFor(v));
    if (ours.length >= q) {
      const signatures: CommitSignature[] = ours
        .sort((a, b) => a.nodeIndex - b.nodeIndex)
        .map((v) => ({ nodeIndex: v.nodeIndex, signature: v.signature, noteSignature: v.noteSignature }));
      return { kind: 'quorum', signatures };
    }
    for (const [hash, vs] of groups) {
      if (hash !== toHex(headerHash) && vs.length >= q) return { kind: 'other-header', headerHash: hash, voters: vs };
    }
    return { kind: 'short' };
  }
}

/**
 * Why a peer's commit does not prove its header (undefined when it does): it must name the
 * header's hash and carry q vote signatures of distinct genesis nodes that verify.
 */
export function commitProblem(genesis: LoadedGenesis, header: BlockHeader, commit: Commit): string | undefined {
  const hh = hashHeader(encode('BlockHeader', header));
  if (commit.height !== header.height || !bytesEqual(commit.headerHash, hh)) return 'the commit is for another header';
  const seen = new Set<number>();
  for (const s of commit.signatures) {
    const node = genesis.genesis.nodes[s.nodeIndex - 1];
    if (node === undefined || seen.has(s.nodeIndex)) return `signature of node ${s.nodeIndex}: not a distinct genesis node`;
    if (!verifyEd25519(node.publicKey, voteMessage(genesis.hash, header.height, hh), s.signature)) return `signature of node ${s.nodeIndex} does not verify`;
    seen.add(s.nodeIndex);
  }
  if (seen.size < genesis.genesis.quorum) return `${seen.size} signatures, the quorum is ${genesis.genesis.quorum}`;
  return undefined;
}

/** A peer's commit of the header this node voted for, with this node's own signature added. */
export function mergeSignatures(commit: Commit, own: Vote): Commit {
  if (commit.signatures.some((s) => s.nodeIndex === own.nodeIndex)) return commit;
  const signatures = [...commit.signatures, { nodeIndex: own.nodeIndex, signature: own.signature, noteSignature: own.noteSignature }].sort((a, b) => a.nodeIndex - b.nodeIndex);
  return { ...commit, signatures };
}

