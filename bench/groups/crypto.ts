/** @module bench/groups/crypto  Ed25519 under the rule (both backends) and SHA-256: pure, needs nothing running. */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../ledger/hash.js';
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from '../../ledger/signature.js';
import { opsPerSecond } from '../measure.js';
import type { BenchGroup } from '../types.js';

export const cryptoGroup: BenchGroup = {
  name: 'crypto',
  description: 'Ed25519 sign/verify (node and noble backends) and SHA-256 of 64 bytes',
  pure: true,
  async run({ quick }) {
    const ms = quick ? 300 : 2000;
    const seed = new Uint8Array(randomBytes(32));
    const pk = publicKeyFromSeed(seed);
    // 32-byte messages: what is signed in practice is an event id or a vote digest
    const msgs = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(32)));
    const sigs = msgs.map((m) => signEd25519(seed, m));
    let i = 0;
    const sign = opsPerSecond(() => {
      signEd25519(seed, msgs[i++ & 63]!);
    }, ms);
    const verifyNode = opsPerSecond(() => {
      const k = i++ & 63;
      if (!verifyEd25519(pk, msgs[k]!, sigs[k]!, 'node')) throw new Error('bench: verification failed');
    }, ms);
    const verifyNoble = opsPerSecond(() => {
      const k = i++ & 63;
      if (!verifyEd25519(pk, msgs[k]!, sigs[k]!, 'noble')) throw new Error('bench: verification failed');
    }, ms);
    const block = new Uint8Array(64);
    const sha = opsPerSecond(() => {
      for (let j = 0; j < 100; j++) sha256(block);
    }, ms, 100);
    return {
      ed25519_sign_node_per_s: sign,
      ed25519_verify_node_per_s: verifyNode,
      ed25519_verify_noble_per_s: verifyNoble,
      sha256_64b_per_s: sha,
    };
  },
};
