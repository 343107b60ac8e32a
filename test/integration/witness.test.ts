/**
 * Our C2SP tlog-witness (witness/) against the log side (witness/witness-submitter.ts), over HTTP
 * and real LevelDB: cosigning a growing log, durability across a restart, the spec's answers
 * (404, 403, 400, 409 with the size, 422), a rollback refused and a split view (a planted fork of
 * the same log) caught with the spec's conflict answer.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../ledger/bytes.js';
import { checkpointText, formatSignedNote, noteKeyId, parseSignedNote } from '../../ledger/checkpoint.js';
import { SigningKey } from '../../ledger/key-file.js';
import { consistencyProof, leafHash, rootHash } from '../../ledger/merkle.js';
import { COSIGNER_KEY_TYPE, LOG_KEY_TYPE, formatVerifierKey, parseVerifierKey, verifyCosignature, type VerifierKey } from '../../ledger/witness-cosignature.js';
import { formatAddCheckpoint } from '../../witness/add-checkpoint-body.js';
import { Witness } from '../../witness/witness.js';
import { listenWitness } from '../../witness/witness-server.js';
import { ensureLocalTls } from '../../tls/local-authority.js';
import { readCaFile, trustCertificateAuthorities } from '../../tls/client-trust.js';
import { WitnessSubmitter } from '../../witness/witness-submitter.js';
import { WitnessFeeder, type WitnessStatus } from '../../witness/witness-feeder.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const ORIGIN = 'ledger/test/0123456789abcdef';
const LOG_KEY_NAME = `${ORIGIN}/node-1`;
const logKey = new SigningKey(new Uint8Array(32).fill(7));
const witnessKey = new SigningKey(new Uint8Array(32).fill(9));
const WITNESS_NAME = 'audit.example/witness-1';
const logVkey = parseVerifierKey(formatVerifierKey(LOG_KEY_NAME, LOG_KEY_TYPE, logKey.publicKey));
const witnessVkey: VerifierKey = parseVerifierKey(formatVerifierKey(WITNESS_NAME, COSIGNER_KEY_TYPE, witnessKey.publicKey));

/** A log branch: leaf hashes; `branch` changes the leaves from `forkAt` on (a planted fork). */
function leaves(n: number, branch = 'a', forkAt = Infinity): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(utf8(i >= forkAt ? `${branch}-${i}` : `leaf-${i}`)));
}

function signedNote(hashes: Uint8Array[], key = logKey, name = LOG_KEY_NAME, origin = ORIGIN): string {
  const text = checkpointText(origin, hashes.length, rootHash(hashes));
  return formatSignedNote(text, [{ keyName: name, keyId: noteKeyId(name, key.publicKey), signature: key.sign(utf8(text)) }]);
}

const tmp = tempDir('witness');
let witness: Witness;
let server: Server;
let url: string;
let clock = 1_700_000_000n;

async function start(): Promise<void> {
  witness = await Witness.open(`${tmp.path}/state`, { name: WITNESS_NAME, publicKey: witnessKey.publicKey, sign: (m) => witnessKey.sign(m) }, new Map([[ORIGIN, [logVkey]]]), () => clock++);
  server = await listenWitness(witness, '127.0.0.1', 0, 'plain-loopback');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await witness.close();
}

async function post(body: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

beforeAll(start);
afterAll(async () => {
  await stop();
  tmp.remove();
});

describe('our witness, driven by the log-side submitter', () => {
  const branchA = leaves(40);
  const proofA = async (o: bigint, n: bigint) => consistencyProof(branchA.slice(0, Number(n)), Number(o));

  it('cosigns a growing log with cosignature/v1 lines that verify under its vkey', async () => {
    const submitter = new WitnessSubmitter({ name: WITNESS_NAME, url, key: witnessVkey }, proofA);
    for (const size of [3, 7, 12, 12]) {
      const note = signedNote(branchA.slice(0, size));
      const r = await submitter.submit(note);
      expect(r.outcome).toBe('cosigned');
      if (r.outcome !== 'cosigned') return;
      expect(verifyCosignature(witnessVkey, parseSignedNote(note)!.text, r.cosignature)).toBe(r.timestamp);
      expect(submitter.witnessSize).toBe(BigInt(size));
    }
    expect((await witness.latest(ORIGIN))?.size).toBe(12n);
  });

  it('keeps its state across a restart, and a new submitter learns the size from the 409 answer', async () => {
    await stop();
    await start();
    expect((await witness.latest(ORIGIN))?.size).toBe(12n);
    const fresh = new WitnessSubmitter({ name: WITNESS_NAME, url, key: witnessVkey }, proofA);
    const r = await fresh.submit(signedNote(branchA.slice(0, 20)));
    expect(r.outcome).toBe('cosigned');
    expect(fresh.witnessSize).toBe(20n);
  });

  it('refuses a rollback: an older checkpoint gets 409 with the latest size', async () => {
    const answer = await post(formatAddCheckpoint({ oldSize: 20n, proof: [], note: signedNote(branchA.slice(0, 12)) }));
    expect(answer.status).toBe(400); // old size above the checkpoint size
    const rollback = await post(formatAddCheckpoint({ oldSize: 0n, proof: [], note: signedNote(branchA.slice(0, 12)) }));
    expect(rollback).toMatchObject({ status: 409, type: expect.stringContaining('text/x.tlog.size'), body: '20\n' });
    const r = await new WitnessSubmitter({ name: WITNESS_NAME, url, key: witnessVkey }, proofA).submit(signedNote(branchA.slice(0, 12)));
    expect(r).toMatchObject({ outcome: 'behind', witnessSize: 20n });
  });

  it('catches a split view: a forked branch at the same size gets 409, one that grows past gets 422', async () => {
    const branchB = leaves(40, 'b', 15);
    const proofB = async (o: bigint, n: bigint) => consistencyProof(branchB.slice(0, Number(n)), Number(o));
    const sameSize = await post(formatAddCheckpoint({ oldSize: 20n, proof: [], note: signedNote(branchB.slice(0, 20)) }));
    expect(sameSize).toMatchObject({ status: 409, body: '20\n' });
    const forkSubmitter = new WitnessSubmitter({ name: WITNESS_NAME, url, key: witnessVkey }, proofB);
    expect(await forkSubmitter.submit(signedNote(branchB.slice(0, 20)))).toMatchObject({ outcome: 'conflict', witnessSize: 20n });
    const grown = await forkSubmitter.submit(signedNote(branchB.slice(0, 30)));
    expect(grown).toMatchObject({ outcome: 'refused', status: 422 });
    // the witness still holds branch A, and branch A still extends
    expect((await witness.latest(ORIGIN))?.root).toEqual(rootHash(branchA.slice(0, 20)));
    const a = await new WitnessSubmitter({ name: WITNESS_NAME, url, key: witnessVkey }, proofA).submit(signedNote(branchA.slice(0, 30)));
    expect(a.outcome).toBe('cosigned');
  });

  it('answers 404 for an unknown origin, 403 without a trusted signature, 400 for a malformed body, 422 for a proof from 0', async () => {
    const other = 'example.com/other-log';
    expect((await post(formatAddCheckpoint({ oldSize: 0n, proof: [], note: signedNote(branchA.slice(0, 3), logKey, `${other}/k`, other) }))).status).toBe(404);
    const stranger = new SigningKey(new Uint8Array(32).fill(1));
    expect((await post(formatAddCheckpoint({ oldSize: 30n, proof: [], note: signedNote(branchA.slice(0, 31), stranger) }))).status).toBe(403);
    expect((await post('old 01\n\nx\n')).status).toBe(400);
    expect((await post('old 30\nnot-base64\n\n')).status).toBe(400);
    const fresh = tempDir('witness-fresh');
    const w2 = await Witness.open(fresh.path, { name: WITNESS_NAME, publicKey: witnessKey.publicKey, sign: (m) => witnessKey.sign(m) }, new Map([[ORIGIN, [logVkey]]]));
    try {
      const r = await w2.addCheckpoint(formatAddCheckpoint({ oldSize: 0n, proof: [rootHash(branchA.slice(0, 1))], note: signedNote(branchA.slice(0, 3)) }));
      expect(r.status).toBe(422);
    } finally {
      await w2.close();
      fresh.remove();
    }
  });

  it('rejects vkeys whose key id does not match their name and key', () => {
    const good = formatVerifierKey(WITNESS_NAME, COSIGNER_KEY_TYPE, witnessKey.publicKey);
    const [name, , key] = good.split('+');
    expect(() => parseVerifierKey(`${name}+00000000+${key}`)).toThrow(/key id 00000000 does not match/);
    expect(() => parseVerifierKey('no-plus-signs')).toThrow(/BAD_ARGUMENT|is not/);
  });

  it('`ledger witness` serves the protocol from the command line, over HTTPS or said plain on loopback, and prints its vkey', async () => {
    const dir = tempDir('witness-cli');
    const keyFile = `${dir.path}/w.ed25519key`;
    expect(runCli(['keygen', '--out', keyFile]).status).toBe(0);
    const logArg = `${ORIGIN}=${formatVerifierKey(LOG_KEY_NAME, LOG_KEY_TYPE, logKey.publicKey)}`;
    expect(runCli(['witness', '--key', keyFile, '--name', 'a b', '--data', dir.path, '--log', logArg, '--plain-loopback']).status).not.toBe(0);
    // how it serves is said (issue 22): neither, or plain off loopback, is refused
    const unsaid = runCli(['witness', '--key', keyFile, '--name', 'audit.example/cli', '--data', `${dir.path}/s0`, '--listen', '127.0.0.1:0', '--log', logArg]);
    expect([unsaid.status, unsaid.stderr]).toEqual([2, expect.stringContaining('--tls-cert FILE --tls-key FILE (HTTPS), or --plain-loopback')]);
    const exposed = runCli(['witness', '--key', keyFile, '--name', 'audit.example/cli', '--data', `${dir.path}/s1`, '--listen', '0.0.0.0:0', '--plain-loopback', '--log', logArg]);
    expect([exposed.status, exposed.stderr]).toEqual([2, expect.stringContaining('plain HTTP only on loopback')]);
    const tls = await ensureLocalTls(`${dir.path}/tls`, 1, { ips: ['127.0.0.1'], dns: [] });
    trustCertificateAuthorities(readCaFile(tls.ca));
    const serving = [
      { flags: ['--plain-loopback'], scheme: 'http', state: 's2' },
      { flags: ['--tls-cert', tls.nodeCert(1), '--tls-key', tls.nodeKey(1)], scheme: 'https', state: 's3' },
    ];
    for (const { flags, scheme, state } of serving) {
      const child = spawn(process.execPath, [CLI, 'witness', '--key', keyFile, '--name', 'audit.example/cli', '--data', `${dir.path}/${state}`, '--listen', '127.0.0.1:0', '--log', logArg, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('\n')) resolve(out);
          });
          child.once('exit', (code) => reject(new Error(`ledger witness exited ${code}`)));
        });
        const m = /^witness (\S+) listening on (https?):\/\/(\S+) /.exec(line);
        expect(m, line).not.toBeNull();
        expect(m![2]).toBe(scheme);
        const key = parseVerifierKey(m![1]!);
        const r = await new WitnessSubmitter({ name: 'audit.example/cli', url: `${scheme}://${m![3]!}`, key }, proofA).submit(signedNote(branchA.slice(0, 9)));
        expect(r.outcome).toBe('cosigned');
      } finally {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
    }
    dir.remove();
  });

  it('the feeder: a down witness only lags, a witness on another branch raises an alarm', async () => {
    const downPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const alarms: WitnessStatus[] = [];
    let log = branchA;
    const feeder = new WitnessFeeder(
      [{ name: WITNESS_NAME, url, key: witnessVkey }, { name: 'down.example/w', url: `http://127.0.0.1:${downPort}`, key: witnessVkey }],
      async (o, n) => consistencyProof(log.slice(0, Number(n)), Number(o)),
      (s) => alarms.push(s),
    );
    await feeder.feed(signedNote(branchA.slice(0, 35)));
    const [up, down] = feeder.status();
    expect(up).toMatchObject({ cosignedSize: 35n, lag: 0n });
    expect(down).toMatchObject({ cosignedSize: 0n, lag: 35n, lastError: expect.stringContaining('cannot be reached') });
    expect(feeder.latest()).toMatchObject({ size: 35n, cosignatures: [expect.objectContaining({ keyName: WITNESS_NAME })] });
    expect(alarms).toEqual([]);
    log = leaves(40, 'b', 15);
    await feeder.feed(signedNote(log.slice(0, 40)));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ name: WITNESS_NAME, conflict: expect.any(String) });
    expect(feeder.status()[0]!.cosignedSize).toBe(35n);
  });
});
