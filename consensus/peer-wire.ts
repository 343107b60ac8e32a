/**
 * @module consensus/peer-wire
 * Node-to-node messages (DESIGN.md section 8) as signed protobuf envelopes: Ed25519 over
 * "ledger:peer:v1" || genesis hash || u32 from || payload, so that a peer is known by its genesis
 * key whatever connection a message arrives on. Replayed envelopes are harmless (votes and
 * requests are idempotent). Conversion to and from the node core's inputs and outputs.
 */
import { concatBytes, u32be } from '../ledger/bytes.js';
import type { Signer } from '../ledger/event.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { TAG, tagBytes } from '../ledger/hash.js';
import { verifyEd25519 } from '../ledger/signature.js';
import { decode, encode } from '../proto/codec.js';
import type { PeerPayload } from '../proto/schema.generated.js';
import type { CoreInput, CoreOutput } from './messages.js';

function signedBytes(genesisHash: Uint8Array, from: number, payload: Uint8Array): Uint8Array {
  return concatBytes(tagBytes(TAG.peer), genesisHash, u32be(from), payload);
}

/** The envelope bytes for a payload from this node. */
export function sealPeerMessage(genesis: LoadedGenesis, from: number, key: Signer, payload: PeerPayload): Uint8Array {
  const body = encode('PeerPayload', payload);
  return encode('PeerEnvelope', { from, payload: body, signature: key.sign(signedBytes(genesis.hash, from, body)) });
}

/**
 * Opens an envelope: decodes it strictly, checks the sender is a genesis node and its signature.
 * Returns undefined for anything else (a bad message from a peer proves nothing; it is dropped).
 */
export function openPeerMessage(genesis: LoadedGenesis, bytes: Uint8Array): { from: number; payload: PeerPayload } | undefined {
  try {
    const env = decode('PeerEnvelope', bytes, genesis.limits);
    const node = genesis.genesis.nodes[env.from - 1];
    if (node === undefined) return undefined;
    if (!verifyEd25519(node.publicKey, signedBytes(genesis.hash, env.from, env.payload), env.signature)) return undefined;
    return { from: env.from, payload: decode('PeerPayload', env.payload, genesis.limits) };
  } catch {
    return undefined;
  }
}

/** The core input a peer's payload becomes. */
export function inputOf(from: number, p: PeerPayload): CoreInput | undefined {
  if (p.vote) return { kind: 'vote', from, vote: p.vote };
  if (p.blockRequest) return { kind: 'block-request', from, height: p.blockRequest.height };
  if (p.block && p.block.commit) return { kind: 'block', from, block: p.block.block, commit: p.block.commit };
  if (p.headRequest) return { kind: 'head-request', from };
  if (p.head) return { kind: 'head', from, height: p.head.height };
  return undefined;
}

/** The payload and destination of a core output that goes to peers (undefined for the others). */
export function payloadOf(o: CoreOutput): { to: 'all' | number; payload: PeerPayload } | undefined {
  switch (o.kind) {
    case 'send-vote':
      return { to: o.to, payload: { vote: o.vote } };
    case 'send-block':
      return { to: o.to, payload: { block: { block: o.block, commit: o.commit } } };
    case 'request-block':
      return { to: o.to, payload: { blockRequest: { height: o.height } } };
    case 'request-head':
      return { to: o.to, payload: { headRequest: {} } };
    case 'send-head':
      return { to: o.to, payload: { head: { height: o.height } } };
    default:
      return undefined;
  }
}
