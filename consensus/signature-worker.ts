/**
 * @module consensus/signature-worker
 * A worker thread that verifies Ed25519 signatures under the rule (ledger/signature.ts, node
 * backend) for the node's signature pool. Input: packed items of 32-byte public key, 32-byte
 * message (an event id), 64-byte signature; output: one byte per item (1 = valid).
 */
import { parentPort } from 'node:worker_threads';
import { verifyEd25519 } from '../ledger/signature.js';

export const ITEM_BYTES = 128;

parentPort?.on('message', (msg: { id: number; items: Uint8Array }) => {
  const n = msg.items.length / ITEM_BYTES;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * ITEM_BYTES;
    out[i] = verifyEd25519(msg.items.subarray(o, o + 32), msg.items.subarray(o + 32, o + 64), msg.items.subarray(o + 64, o + 128)) ? 1 : 0;
  }
  parentPort!.postMessage({ id: msg.id, results: out }, [out.buffer as ArrayBuffer]);
});
