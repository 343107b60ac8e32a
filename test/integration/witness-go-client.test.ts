/**
 * Our witness driven by a stock C2SP client (issue 23): `ledger witness` (the CLI, as an audit
 * office runs it) witnesses a log it did not write, and test/go/cosigcheck (Go, over
 * golang.org/x/mod/sumdb/note and filippo.io/torchwood v0.6.1 from the Go module proxy) plays
 * that log: it signs checkpoints of its own tree with an x/mod note signer, submits them with a
 * consistency proof computed by x/mod/sumdb/tlog, and checks each cosignature with torchwood's
 * cosignature/v1 verifier. Then the same client opens one of our checkpoints (our note keys)
 * carrying our witness's cosignature.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { base64, checkpointText, formatSignedNote, noteKeyId, noteKeyName } from '../../ledger/checkpoint.js';
import { concatBytes, toHex, utf8 } from '../../ledger/bytes.js';
import { SigningKey, writeNewKeyFile, KEY_FILE_EXTENSION } from '../../ledger/key-file.js';
import { rootHash, leafHash } from '../../ledger/merkle.js';
import { LOG_KEY_TYPE, formatVerifierKey, parseVerifierKey } from '../../ledger/witness-cosignature.js';
import { WitnessSubmitter } from '../../witness/witness-submitter.js';
import { appendCosignatures } from '../../witness/node-witnessing.js';
import { CLI } from '../helpers/cli.js';
import { runCosigcheck } from '../helpers/go-client.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('witness-go');
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) await new Promise((r) => { child!.once('exit', r); child!.kill('SIGTERM'); });
  tmp.remove();
});

const FOREIGN = 'example.org/foreign-log';
const foreignSeed = new Uint8Array(32).fill(0x33);
const foreign = new SigningKey(foreignSeed);
const OURS = 'ledger/property/0123456789abcdef';
const node = new SigningKey(new Uint8Array(32).fill(0x34));
const nodeName = noteKeyName(OURS, 1);

/** Starts `ledger witness` on a free port; resolves with its URL and the verifier key it prints. */
function startWitnessCli(args: string[]): Promise<{ url: string; vkey: string }> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [CLI, 'witness', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^witness (\S+) listening on (http:\/\/\S+) /m.exec(out);
      if (m) resolve({ vkey: m[1]!, url: m[2]! });
    });
    child.once('exit', (code) => reject(new Error(`ledger witness exited ${code}: ${err}`)));
  });
}

describe('ledger witness and a stock C2SP client', () => {
  it('cosigns a foreign log driven by the Go client, and the Go client opens our checkpoint with our witness\'s cosignature', { timeout: 300_000 }, async () => {
    const keyFile = join(tmp.path, `witness${KEY_FILE_EXTENSION}`);
    writeNewKeyFile(keyFile, new SigningKey(new Uint8Array(32).fill(0x35)));
    const foreignVkey = formatVerifierKey(FOREIGN, LOG_KEY_TYPE, foreign.publicKey);
    const nodeVkey = formatVerifierKey(nodeName, LOG_KEY_TYPE, node.publicKey);
    const w = await startWitnessCli(['--key', keyFile, '--name', 'audit.example.gov.cn/witness-1', '--data', join(tmp.path, 'state'), '--listen', '127.0.0.1:0', '--plain-loopback', '--log', `${FOREIGN}=${foreignVkey}`, '--log', `${OURS}=${nodeVkey}`]);

    // x/mod's signer key format: PRIVATE+KEY+<name>+<key hash>+base64(0x01 || seed)
    const skey = `PRIVATE+KEY+${FOREIGN}+${toHex(noteKeyId(FOREIGN, foreign.publicKey))}+${base64(concatBytes(Uint8Array.of(1), foreignSeed))}`;
    expect(runCosigcheck(['submit', '-url', w.url, '-signer', skey, '-witness', w.vkey, '-origin', FOREIGN])).toMatchObject({ cosigned: [1, 3], witness: 'audit.example.gov.cn/witness-1' });

    // one of our checkpoints, cosigned by our witness through our submitter, opened by the Go client
    const leaves = [0, 1, 2, 3, 4].map((i) => leafHash(utf8(`event-${i}`)));
    const text = checkpointText(OURS, leaves.length, rootHash(leaves));
    const note = formatSignedNote(text, [{ keyName: nodeName, keyId: noteKeyId(nodeName, node.publicKey), signature: node.sign(utf8(text)) }]);
    const r = await new WitnessSubmitter({ name: 'audit.example.gov.cn/witness-1', url: w.url, key: parseVerifierKey(w.vkey) }, async () => []).submit(note);
    if (r.outcome !== 'cosigned') throw new Error(`not cosigned: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    const file = join(tmp.path, 'ours.note');
    writeFileSync(file, appendCosignatures(note, [r.cosignature]));
    expect(runCosigcheck(['verify', '-note', file, '-log', nodeVkey, '-witness', w.vkey])).toEqual({ origin: OURS, size: 5, verified: [nodeName, 'audit.example.gov.cn/witness-1'], unverified: 0 });
  });
});
