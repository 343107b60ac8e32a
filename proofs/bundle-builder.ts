/**
 * @module proofs/bundle-builder
 * Builds proof bundles (DESIGN.md section 10; docs/proof-format.md) from a node's committed
 * stores: the head header with its commit's vote signatures, the record's state proof, its
 * defining event with its RFC 9162 inclusion path, and the signer department's record and state
 * proof, all against the same header. Needs the stores, so it lives here, not in verifier/.
 *
 * On a running node a commit may land between the reads; the builder checks that everything it
 * read stands at the header it read (state height and root, log size) and reads again if not.
 */
import { bytesEqual } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { eventId as eventIdOf } from '../ledger/hash.js';
import type { MerkleLog } from '../ledger/merkle-log.js';
import { decodeRecord, encodeRecord } from '../ledger/state-records.js';
import type { StateStore } from '../ledger/state-store.js';
import { stateKey as stateKeyOf, verifyStateProof } from '../ledger/state-tree-verify.js';
import { isIdentifier } from '../proto/limits.js';
import { decode, encode } from '../proto/codec.js';
import { BundleSubjectType, type CertificateRecord, type GrantRecord, type ProofBundle } from '../proto/schema.generated.js';
import { certificateFromIssue, joinPath } from '../verifier/bundle-compact.js';
import type { BlockStore } from '../consensus/block-store.js';

/** The bundle format version this build writes and reads (docs/proof-format.md). */
export { BUNDLE_FORMAT_VERSION } from '../verifier/bundle-verify.js';
import { BUNDLE_FORMAT_VERSION } from '../verifier/bundle-verify.js';

/** A node's committed stores (a running NodeCore's `genesis`, `blocks`, `merkle`, `state`, or a stopped node's folder). */
export interface BundleSource {
  genesis: LoadedGenesis;
  blocks: BlockStore;
  merkle: MerkleLog;
  state: StateStore;
}

export interface BundleTarget {
  kind: 'certificate' | 'grant';
  id: string;
}

export interface BundleOptions {
  /** Adds a consistency proof from this earlier log size (a checkpoint the reader trusts) to the header's. */
  fromLogSize?: bigint;
}

const ATTEMPTS = 5;

/**
 * The binary bundle of `target` against the committed head. An absent record gives a bundle with
 * a non-membership proof (the verifier says UNKNOWN).
 * @throws LedgerError BAD_ARGUMENT (bad id or fromLogSize), NOT_FOUND (nothing committed yet),
 *   UNAVAILABLE (the head kept moving while reading)
 */
export async function buildProofBundle(source: BundleSource, target: BundleTarget, options: BundleOptions = {}): Promise<Uint8Array> {
  if (target.kind !== 'certificate' && target.kind !== 'grant') throw new LedgerError('BAD_ARGUMENT', `a bundle is for a certificate or a grant, not ${String(target.kind)}`, {});
  if (typeof target.id !== 'string' || !isIdentifier(target.id, source.genesis.limits)) {
    throw new LedgerError('BAD_ARGUMENT', `"${String(target.id)}" is not an identifier (1 to ${source.genesis.limits.maxIdBytes} bytes of A-Z a-z 0-9 . _ : -)`, { id: String(target.id) });
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const b = await buildOnce(source, target, options);
    if (b !== undefined) return encode('ProofBundle', b);
  }
  throw new LedgerError('UNAVAILABLE', 'the chain head kept moving while the bundle was read; try again', {});
}

async function buildOnce(source: BundleSource, target: BundleTarget, options: BundleOptions): Promise<ProofBundle | undefined> {
  const { blocks, merkle, state } = source;
  const height = blocks.head.height;
  if (height === 0n) throw new LedgerError('NOT_FOUND', 'no block is committed yet: there is no header to prove against', {});
  const [block, commit] = await Promise.all([blocks.block(height), blocks.commit(height)]);
  if (block?.header === undefined || commit === undefined) throw new LedgerError('STORE_FORMAT', `block ${height} or its commit is missing`, {});
  const header = block.header;
  const logSize = header.logSize;
  const type = target.kind === 'certificate' ? 'cert' : 'grant';
  const proven = await state.prove(type, target.id);
  if (state.height !== height || !bytesEqual(proven.stateRoot, header.stateRoot) || BigInt(merkle.size) < logSize) return undefined;
  if (!stillAt(header.stateRoot, proven.proof, type, target.id, proven.valueHash)) return undefined;

  const bundle: ProofBundle = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    subjectType: target.kind === 'certificate' ? BundleSubjectType.BUNDLE_CERTIFICATE : BundleSubjectType.BUNDLE_GRANT,
    subjectId: target.id,
    header,
    // The note signatures are for checkpoints, not for the reader: left out (QR size).
    // In increasing node index, one per node, as the verifier requires (a commit taken from a peer
    // is stored as received).
    signatures: [...new Map(commit.signatures.map((s) => [s.nodeIndex, s] as const)).values()]
      .sort((a, b) => a.nodeIndex - b.nodeIndex)
      .map((s) => ({ nodeIndex: s.nodeIndex, signature: s.signature, noteSignature: new Uint8Array(0) })),
    recordProof: proven.proof,
    leafIndex: 0n,
    inclusionPath: new Uint8Array(0),
    signerProof: new Uint8Array(0),
    definingHeight: 0n,
    encumbrances: [],
    granteeProof: new Uint8Array(0),
  };
  if (proven.recordBytes !== null) {
    const record = decodeRecord(type, proven.recordBytes, source.genesis.limits);
    const defining = record.definingEvent;
    if (defining === undefined) throw new LedgerError('INTERNAL', `${type}/${target.id} has no defining event`, {});
    const loc = await state.eventLocation(defining.eventId);
    if (loc === undefined || loc.logPosition !== defining.logPosition || loc.height !== defining.height) {
      throw new LedgerError('INTERNAL', `the defining event of ${type}/${target.id} is not where its record says`, {});
    }
    const definingBlock = await blocks.block(loc.height);
    const event = definingBlock?.events[loc.index]?.event;
    if (event === undefined || !bytesEqual(eventIdOf(event.body), defining.eventId)) {
      throw new LedgerError('STORE_FORMAT', `block ${loc.height} does not hold the defining event of ${type}/${target.id}`, {});
    }
    bundle.event = event;
    bundle.leafIndex = defining.logPosition;
    bundle.inclusionPath = joinPath(await merkle.inclusionProof(Number(defining.logPosition), Number(logSize)));
    const body = decode('EventBody', event.body, source.genesis.limits);
    // Compact form: a certificate the reader can derive from its issue event is left out, but
    // only when the derived record is byte for byte the stored one.
    // Its current encumbrances (rules version 2) travel beside it.
    const encumbrances = type === 'cert' ? (record as CertificateRecord).encumbrances : [];
    const derived = type === 'cert' ? certificateFromIssue(body, defining.eventId, defining.height, defining.logPosition, encumbrances) : undefined;
    if (derived !== undefined && bytesEqual(encodeRecord('cert', derived), proven.recordBytes)) {
      bundle.definingHeight = defining.height;
      bundle.encumbrances = encumbrances;
    } else if (type === 'cert') bundle.certificate = record as ProofBundle['certificate'];
    else bundle.grant = record as ProofBundle['grant'];
    const signerId = body.departmentId;
    const signer = await state.prove('dept', signerId);
    if (signer.recordBytes === null) throw new LedgerError('INTERNAL', `the signer ${signerId} of ${type}/${target.id} has no record`, {});
    if (state.height !== height || !stillAt(header.stateRoot, signer.proof, 'dept', signerId, signer.valueHash)) return undefined;
    bundle.signer = decodeRecord('dept', signer.recordBytes, source.genesis.limits);
    bundle.signerProof = signer.proof;
    // A grant's grantee by name (issue 17): its department record, proved, unless it is the signer
    const granteeId = type === 'grant' ? (record as GrantRecord).requesterDepartmentId : '';
    if (granteeId !== '' && granteeId !== signerId) {
      const grantee = await state.prove('dept', granteeId);
      if (grantee.recordBytes !== null) {
        if (state.height !== height || !stillAt(header.stateRoot, grantee.proof, 'dept', granteeId, grantee.valueHash)) return undefined;
        bundle.grantee = decodeRecord('dept', grantee.recordBytes, source.genesis.limits);
        bundle.granteeProof = grantee.proof;
      }
    }
  }
  if (options.fromLogSize !== undefined) {
    const from = options.fromLogSize;
    if (typeof from !== 'bigint' || from < 1n || from > logSize) {
      throw new LedgerError('BAD_ARGUMENT', `a consistency proof starts from a log size within 1..${logSize}`, { fromLogSize: String(from) });
    }
    // From the header's own size there is nothing to prove (the reader compares roots, docs/proof-format.md
    // step 7) and the format's consistency field starts below the header's size.
    if (from < logSize) bundle.consistency = { fromLogSize: from, path: joinPath(await merkle.consistencyProof(Number(from), Number(logSize))) };
  }
  return bundle;
}

// The proof was read from the live tree: check it still leads to the header's root.
function stillAt(root: Uint8Array, proof: Uint8Array, type: 'cert' | 'grant' | 'dept', id: string, valueHash: Uint8Array | null): boolean {
  const key = stateKeyOf(type, id);
  return verifyStateProof(root, key, valueHash, proof).ok;
}
