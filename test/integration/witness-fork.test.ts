/**
 * A split view caught (issue 23): two nodes' data folders (real LevelDB, the real node core) share
 * a genesis naming one witness and the same blocks up to a height, then fork (a planted fork: each
 * commits a different certificate at the same log size). Each node's witnessing
 * (witness/node-witnessing.ts, what `ledger node` runs after each commit) submits its checkpoint
 * to our witness over HTTP: the first branch is cosigned, the second gets the spec's conflict
 * answer (409 with the witness's size) and its node raises an alarm. A reader whose policy
 * requires the witness finds a bundle from the unwitnessed branch INVALID with the witness reason,
 * and the witnessed branch's bundle VALID.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedCheckpoint } from '../../api/checkpoint-note.js';
import { openNodeDb } from '../../consensus/node-store.js';
import { checkpointOrigin, parseSignedNote } from '../../ledger/checkpoint.js';
import { parseVerifierKey } from '../../ledger/witness-cosignature.js';
import { buildProofBundle } from '../../proofs/bundle-builder.js';
import { attachWitnessed } from '../../proofs/bundle-witnessed.js';
import { verifyBundle } from '../../verifier/bundle-verify.js';
import { formatAddCheckpoint } from '../../witness/add-checkpoint-body.js';
import { startNodeWitnessing, type NodeWitnessing } from '../../witness/node-witnessing.js';
import { Witness } from '../../witness/witness.js';
import { listenWitness } from '../../witness/witness-server.js';
import { noteVerifierKeys } from '../../api/checkpoint-note.js';
import { freePorts } from '../../kafka/provision.js';
import { TestChain } from '../helpers/chain.js';
import { certIssued } from '../helpers/payloads.js';
import { tempDir } from '../helpers/temp.js';
import { testWitness } from '../helpers/witnesses.js';
import type { Server } from 'node:http';

const audit = testWitness(0);
const tmp = tempDir('witness-fork');
let witness: Witness;
let server: Server;
let url: string;
const chains: TestChain[] = [];
const witnessing: NodeWitnessing[] = [];
const logs: string[][] = [[], []];

function startWitnessing(chain: TestChain, i: number): NodeWitnessing {
  const w = startNodeWitnessing({
    genesis: chain.genesis,
    nodeDir: join(tmp.path, `node-${i + 1}`),
    headCheckpoint: async () => (await signedCheckpoint({ genesis: chain.genesis, blocks: chain.core.blocks })).note,
    headLogSize: () => BigInt(chain.core.merkle.size),
    consistencyProof: (o, n) => chain.core.merkle.consistencyProof(Number(o), Number(n)),
    log: (line) => logs[i]!.push(line),
  });
  if (w === undefined) throw new Error('the genesis names a witness: witnessing must start');
  return w;
}

beforeAll(async () => {
  const [port] = await freePorts(1);
  url = `http://127.0.0.1:${port}`;
  for (const i of [0, 1]) {
    const db = await openNodeDb(join(tmp.path, `node-${i + 1}`, 'db'), { createIfMissing: true });
    chains.push(await TestChain.create({ db, witnesses: [{ name: audit.name, publicKey: audit.key.publicKey, url }] }));
  }
  const g = chains[0]!.genesis;
  expect(Buffer.from(chains[1]!.genesis.bytes).equals(Buffer.from(g.bytes))).toBe(true);
  const origin = checkpointOrigin(g.genesis.channel, g.hash);
  witness = await Witness.open(join(tmp.path, 'witness'), { name: audit.name, publicKey: audit.key.publicKey, sign: (m) => audit.key.sign(m) }, new Map([[origin, noteVerifierKeys(g).map((k) => parseVerifierKey(k))]]));
  server = await listenWitness(witness, '127.0.0.1', port!, 'plain-loopback');
  // the same history on both folders...
  for (const c of chains) {
    await c.block([c.w.register('dept.realestate', { certificateTypeIds: ['BDC'] })]);
    await c.block([c.w.event('dept.realestate', certIssued('CERT-SHARED'))]);
  }
  // ...then a planted fork at the next height: each branch issues another certificate
  await chains[0]!.block([chains[0]!.w.event('dept.realestate', certIssued('CERT-BRANCH-A'))]);
  await chains[1]!.block([chains[1]!.w.event('dept.realestate', certIssued('CERT-BRANCH-B'))]);
  for (const [i, c] of chains.entries()) witnessing.push(startWitnessing(c, i));
}, 120_000);

afterAll(async () => {
  for (const w of witnessing) w.stop();
  await new Promise((r) => server?.close(r));
  await witness?.close();
  for (const c of chains) await c.db.close();
  tmp.remove();
});

describe('a planted fork between two nodes, one witness', () => {
  it('the witness cosigns the first branch and refuses the second with the conflict answer; that node raises an alarm', async () => {
    const [a, b] = chains as [TestChain, TestChain];
    expect(a.height).toBe(b.height);
    expect(a.core.merkle.size).toBe(b.core.merkle.size);
    witnessing[0]!.onCommitted();
    await witnessing[0]!.idle();
    const size = BigInt(a.core.merkle.size);
    expect(witnessing[0]!.status()).toMatchObject({ witnessedSize: size.toString(), lag: '0', witnesses: [{ name: audit.name, cosignedSize: size.toString() }] });
    expect(witnessing[0]!.stored().quorum?.witnesses).toEqual([audit.name]);
    // the same checkpoint fed again (as after an empty heartbeat block): still one line per witness
    witnessing[0]!.onCommitted();
    await witnessing[0]!.idle();
    expect(parseSignedNote(witnessing[0]!.stored().latest!.note)!.signatures.filter((x) => x.keyName === audit.name)).toHaveLength(1);

    witnessing[1]!.onCommitted();
    await witnessing[1]!.idle();
    const st = witnessing[1]!.status();
    expect(st.witnessedSize).toBe('0');
    expect(st.witnesses[0]!.conflict).toMatch(new RegExp(`holds size ${size}`));
    expect(logs[1]!.some((l) => l.startsWith('ALARM witness-conflict'))).toBe(true);
    expect(logs[0]!.filter((l) => l.startsWith('ALARM'))).toEqual([]);

    // the spec's answer itself: branch B's checkpoint from the size the witness holds is a 409
    // whose body is that size (text/x.tlog.size)
    const noteB = (await signedCheckpoint({ genesis: b.genesis, blocks: b.core.blocks })).note;
    const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint({ oldSize: size, proof: [], note: noteB }) });
    expect({ status: res.status, type: res.headers.get('content-type'), body: await res.text() }).toEqual({ status: 409, type: expect.stringContaining('text/x.tlog.size'), body: `${size}\n` });
    expect((await witness.latest(parseSignedNote(noteB)!.text.split('\n')[0]!))?.root).toEqual(a.core.merkle.root());
  });

  it("a reader requiring the witness: branch A's bundle VALID, branch B's INVALID (WITNESS_QUORUM_MISSING, or WITNESS_SIGNATURE_INVALID with A's cosignatures grafted on)", async () => {
    const policy = { witnesses: [audit.verifierKey], quorum: 1 };
    const bundleOf = async (c: TestChain, id: string) => buildProofBundle({ genesis: c.genesis, blocks: c.core.blocks, merkle: c.core.merkle, state: c.core.state }, { kind: 'certificate', id });
    const noteA = witnessing[0]!.stored().quorum!.note;
    const [a, b] = chains as [TestChain, TestChain];
    const proofOf = (c: TestChain) => (o: number, n: number) => c.core.merkle.consistencyProof(o, n);
    const now = a.now + 1000n;
    const verdict = (bundle: Uint8Array) => {
      const r = verifyBundle(bundle, a.genesis.bytes, { nowMs: now, witnesses: policy });
      return { verdict: r.verdict, code: r.reasons[0]?.code ?? null };
    };
    expect(verdict(await attachWitnessed(await bundleOf(a, 'CERT-BRANCH-A'), noteA, a.genesis, proofOf(a)))).toEqual({ verdict: 'VALID', code: null });
    const fromB = await bundleOf(b, 'CERT-BRANCH-B');
    expect(verifyBundle(fromB, b.genesis.bytes, { nowMs: now }).verdict).toBe('VALID'); // without a policy, the fork is not seen
    expect(verdict(fromB)).toEqual({ verdict: 'INVALID', code: 'WITNESS_QUORUM_MISSING' });
    expect(verdict(await attachWitnessed(fromB, noteA, b.genesis, proofOf(b)))).toEqual({ verdict: 'INVALID', code: 'WITNESS_SIGNATURE_INVALID' });
  });
});
