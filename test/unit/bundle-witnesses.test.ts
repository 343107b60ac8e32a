/**
 * Witness cosignatures in proof bundles (issue 23; docs/proof-format.md section 9): bundles built
 * from a real chain, cosigned by test witnesses at the header's log size and at a later one (with
 * the consistency proof proofs/bundle-witnessed.ts adds), checked by the verifier under a reader's
 * witness policy: the pass and each reason code, and the shape rule.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProofBundle } from '../../proofs/bundle-builder.js';
import { attachWitnessed } from '../../proofs/bundle-witnessed.js';
import { decode, encode } from '../../proto/codec.js';
import { verifyBundle, type VerifyOptions } from '../../verifier/bundle-verify.js';
import { anchorWitnessPolicy } from '../../verifier/witness-check.js';
import { createGenesis } from '../../ledger/genesis.js';
import type { TestChain } from '../helpers/chain.js';
import { request } from '../helpers/payloads.js';
import { buildScenarioChain } from '../helpers/scenario-chain.js';
import { testWitness, withWitnesses, witnessedNote } from '../helpers/witnesses.js';

const CERT_ID = '11100000MB0000000X:BDC:2026-000124';
const [audit, court, bank] = [0, 1, 2].map(testWitness) as [ReturnType<typeof testWitness>, ReturnType<typeof testWitness>, ReturnType<typeof testWitness>];
const policy = (k: number) => ({ witnesses: [audit.verifierKey, court.verifierKey, bank.verifierKey], quorum: k });

let chain: TestChain;
let bundle: Uint8Array;
let laterBundle: Uint8Array;
let now: bigint;
const codes = (opts: Partial<VerifyOptions>, b = bundle) => {
  const r = verifyBundle(b, chain.genesis.bytes, { nowMs: now, ...opts });
  return { verdict: r.verdict, code: r.reasons[0]?.code ?? null, witnesses: r.checks.witnesses, names: r.witnesses && [...r.witnesses].sort() };
};
const mutate = (b: Uint8Array, f: (x: ReturnType<typeof decode<'ProofBundle'>>) => void) => {
  const d = decode('ProofBundle', b);
  f(d);
  return encode('ProofBundle', d);
};

beforeAll(async () => {
  ({ chain } = await buildScenarioChain());
  const source = { genesis: chain.genesis, blocks: chain.core.blocks, merkle: chain.core.merkle, state: chain.core.state };
  const plain = await buildProofBundle(source, { kind: 'certificate', id: CERT_ID });
  const head = (await chain.core.blocks.header(chain.core.blocks.head.height))!;
  const g = withWitnesses(chain.genesis, [audit, court, bank], 2);
  const proof = (o: number, n: number) => chain.core.merkle.consistencyProof(o, n);
  bundle = await attachWitnessed(plain, witnessedNote(chain.genesis, head.logSize, head.logRoot, [audit, bank]), g, proof);
  // the witnesses cosigned a later checkpoint: the bundle carries a consistency proof to it
  await chain.block([chain.w.event('dept.civil', request('witness-later-1', 'res.tax.income', ['年收入']))]);
  const later = (await chain.core.blocks.header(chain.core.blocks.head.height))!;
  laterBundle = await attachWitnessed(plain, witnessedNote(chain.genesis, later.logSize, later.logRoot, [audit, court]), g, proof);
  now = later.blockTimeMs + 1000n;
}, 120_000);

describe('witness cosignatures in a bundle', () => {
  it('without a policy the verdict is as before and witnesses are not checked', () => {
    expect(codes({})).toEqual({ verdict: 'VALID', code: null, witnesses: 'not-checked', names: undefined });
  });

  it('VALID with k of the policy: at the header\'s own checkpoint, and at a later one through a consistency proof', () => {
    expect(codes({ witnesses: policy(2) })).toEqual({ verdict: 'VALID', code: null, witnesses: 'passed', names: [audit.name, bank.name].sort() });
    expect(decode('ProofBundle', laterBundle).witnessed!.consistencyPath.length).toBeGreaterThan(0);
    expect(codes({ witnesses: policy(2) }, laterBundle)).toMatchObject({ verdict: 'VALID', witnesses: 'passed', names: [audit.name, court.name].sort() });
  });

  it('WITNESS_QUORUM_MISSING: more witnesses required than cosigned, or no cosignatures at all', async () => {
    expect(codes({ witnesses: policy(3) })).toMatchObject({ verdict: 'INVALID', code: 'WITNESS_QUORUM_MISSING', witnesses: 'failed' });
    expect(codes({ witnesses: { witnesses: [court.verifierKey], quorum: 1 } })).toMatchObject({ code: 'WITNESS_QUORUM_MISSING' });
    const bare = mutate(bundle, (b) => delete b.witnessed);
    expect(codes({ witnesses: policy(1) }, bare)).toMatchObject({ verdict: 'INVALID', code: 'WITNESS_QUORUM_MISSING' });
  });

  it('WITNESS_SIGNATURE_INVALID: a changed signature, another root at the header\'s size, a broken consistency proof', () => {
    const flipped = mutate(bundle, (b) => (b.witnessed!.cosignatures[0]!.signature[5]! ^= 1));
    expect(codes({ witnesses: policy(1) }, flipped)).toMatchObject({ verdict: 'INVALID', code: 'WITNESS_SIGNATURE_INVALID' });
    const retimed = mutate(bundle, (b) => (b.witnessed!.cosignatures[0]!.timestamp += 1n));
    expect(codes({ witnesses: policy(1) }, retimed)).toMatchObject({ code: 'WITNESS_SIGNATURE_INVALID' });
    const otherRoot = mutate(bundle, (b) => (b.witnessed!.logRoot = new Uint8Array(32).fill(3)));
    expect(codes({ witnesses: policy(1) }, otherRoot)).toMatchObject({ code: 'WITNESS_SIGNATURE_INVALID' });
    const badPath = mutate(laterBundle, (b) => (b.witnessed!.consistencyPath[0]! ^= 1));
    expect(codes({ witnesses: policy(1) }, badPath)).toMatchObject({ code: 'WITNESS_SIGNATURE_INVALID' });
  });

  it('the shape is checked with or without a policy (MALFORMED)', () => {
    const unordered = mutate(bundle, (b) => b.witnessed!.cosignatures.reverse());
    expect(codes({}, unordered)).toMatchObject({ verdict: 'INVALID', code: 'MALFORMED' });
    const shortPath = mutate(laterBundle, (b) => (b.witnessed!.consistencyPath = b.witnessed!.consistencyPath.subarray(32)));
    expect(codes({}, shortPath)).toMatchObject({ code: 'MALFORMED' });
    const before = mutate(bundle, (b) => (b.witnessed!.logSize -= 1n));
    expect(codes({}, before)).toMatchObject({ code: 'MALFORMED' });
  });

  it('the anchor\'s policy: the genesis witnesses and witness quorum; a genesis without them keeps its bytes', () => {
    const base = { channel: 'property', authorities: [{ departmentId: 'authority.city', name: 'a', publicKey: audit.key.publicKey }], nodes: [court.key.publicKey], quorum: 1 };
    const plain = createGenesis(base);
    const named = createGenesis({ ...base, witnesses: [audit, bank].map((w) => ({ name: w.name, publicKey: w.key.publicKey, url: 'https://witness.example.cn' })), witnessQuorum: 2 });
    expect(anchorWitnessPolicy(plain.genesis)).toBeUndefined();
    expect(anchorWitnessPolicy(named.genesis)).toMatchObject({ quorum: 2, witnesses: [{ name: audit.name }, { name: bank.name }] });
    // fields 9 and 10 are left out when empty: the bytes end where a version-1 genesis always ended
    expect(Buffer.from(named.bytes.subarray(0, plain.bytes.length)).equals(Buffer.from(plain.bytes))).toBe(true);
    expect(() => createGenesis({ ...base, witnesses: [{ name: 'bad name', publicKey: audit.key.publicKey, url: 'ftp://x' }] })).toThrow(/witness 1: name.*url/s);
    expect(() => createGenesis({ ...base, witnesses: [], witnessQuorum: 1 })).toThrow(/witness quorum 1/);
  });
});
