/**
 * @module api/checkpoint-note
 * The log's checkpoint as a C2SP tlog-checkpoint in a C2SP signed note (DESIGN.md section 11):
 * the head header's log size and root under the origin `ledger/<channel>/<16 hex of the genesis
 * hash>`, with the note signatures the nodes made over exactly this text when they voted
 * (proto CommitSignature.note_signature), one line per node, key name `<origin>/node-<index>`,
 * key id as the signed-note spec defines for Ed25519. Only signatures that verify are served, and
 * the note is served only with at least `q` of them.
 */
import { toHex, utf8 } from '../ledger/bytes.js';
import { checkpointOrigin, checkpointText, formatSignedNote, noteKeyId, noteKeyName, type NoteSignature } from '../ledger/checkpoint.js';
import { LedgerError } from '../errors/ledger-error.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { verifyEd25519 } from '../ledger/signature.js';
import type { ApiContext } from './context.js';
import { base64 } from './json.js';

export function originOf(genesis: LoadedGenesis): string {
  return checkpointOrigin(genesis.genesis.channel, genesis.hash);
}

/**
 * The note verifier keys of the nodes, in the `<name>+<hex key id>+<base64(0x01 || public key)>`
 * form that signed-note verifiers (golang.org/x/mod/sumdb/note, and the witness tools) read.
 */
export function noteVerifierKeys(genesis: LoadedGenesis): string[] {
  const origin = originOf(genesis);
  return genesis.genesis.nodes.map((n) => {
    const name = noteKeyName(origin, n.index);
    const vkey = new Uint8Array(33);
    vkey[0] = 0x01;
    vkey.set(n.publicKey, 1);
    return `${name}+${toHex(noteKeyId(name, n.publicKey))}+${base64(vkey)}`;
  });
}

/** The signed checkpoint of the head (or of `height`). */
export async function signedCheckpoint(ctx: Pick<ApiContext, 'genesis' | 'blocks'>, height: bigint = ctx.blocks.head.height): Promise<{ note: string; height: bigint; signers: number[] }> {
  if (height < 1n) throw new LedgerError('NOT_FOUND', 'no checkpoint before the first block commits', {});
  const [header, commit] = await Promise.all([ctx.blocks.header(height), ctx.blocks.commit(height)]);
  if (header === undefined || commit === undefined) throw new LedgerError('NOT_FOUND', `no committed block at height ${height}`, {});
  const origin = originOf(ctx.genesis);
  const text = checkpointText(origin, header.logSize, header.logRoot);
  const message = utf8(text);
  const signatures: NoteSignature[] = [];
  const signers: number[] = [];
  for (const s of commit.signatures) {
    const node = ctx.genesis.genesis.nodes[s.nodeIndex - 1];
    if (node === undefined || s.noteSignature.length !== 64 || !verifyEd25519(node.publicKey, message, s.noteSignature)) continue;
    const name = noteKeyName(origin, s.nodeIndex);
    signatures.push({ keyName: name, keyId: noteKeyId(name, node.publicKey), signature: s.noteSignature });
    signers.push(s.nodeIndex);
  }
  if (signatures.length < ctx.genesis.genesis.quorum) {
    throw new LedgerError('UNAVAILABLE', `block ${height} carries ${signatures.length} valid note signatures; a checkpoint needs ${ctx.genesis.genesis.quorum}`, { height: height.toString() });
  }
  return { note: formatSignedNote(text, signatures), height, signers };
}
