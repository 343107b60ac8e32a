/**
 * `ledger audit` on the folders of a short real local cluster (three node processes, quorum 2,
 * their own single broker): every node's copy verifies and saves a checkpoint; the next audit
 * proves growth from it; `--compare` finds the copies identical. Then a copy of node 2 whose
 * header at one height is changed and whose commit is re-signed with node 1's key (the one key an
 * insider holds) is reported at that height (the other signer's signature no longer verifies; with
 * the other signature dropped, the quorum is not met), exit 1, and `--compare` names that copy
 * and the header field. Bad arguments exit 2.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchStatus, startLocalCluster, type LocalCluster } from '../../stack/local-cluster.js';
import { voteMessage } from '../../ledger/block.js';
import { u64be } from '../../ledger/bytes.js';
import { headerHash } from '../../ledger/hash.js';
import { loadKeyFile, SigningKey } from '../../ledger/key-file.js';
import type { LoadedGenesis } from '../../ledger/genesis.js';
import { createKafka } from '../../kafka/client.js';
import { DepartmentClient } from '../../producers/department-client.js';
import { decode, encode } from '../../proto/codec.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir, uniqueChannel, waitFor } from '../helpers/kafka.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
let cluster: LocalCluster | undefined;
let data: string;
let genesis: LoadedGenesis;
let head: bigint;

beforeAll(async () => {
  data = scratchDir('audit-cluster');
  // its own single broker (development mode), as the other cluster tests do
  cluster = await startLocalCluster({ apiAccess: 'open-loopback', dataDir: data, brokerDir: join(data, 'kafka'), channel: uniqueChannel('audit'), batchTimeoutMs: 100n, heartbeatIntervalMs: 600_000n, log: () => undefined });
  genesis = cluster.genesis;
  const statuses = () => Promise.all(cluster!.nodes.map((n) => fetchStatus(n.url)));
  await waitFor(async () => (await statuses()).every((s) => s?.phase === 'consuming'), { what: 'three nodes consuming', timeoutMs: 60_000 });
  const kafka = createKafka({ brokers: cluster.brokers });
  const authority = await DepartmentClient.open({ kafka, channel: genesis.genesis.channel, departmentId: 'authority.city', keyVersion: 1, key: loadKeyFile(cluster.layout.authorityKey), stateDir: join(data, 'outbox') });
  try {
    const pk = SigningKey.generate().publicKey;
    for (let round = 0; round < 4; round++) {
      const batch = Array.from({ length: 10 }, (_, i) => ({ departmentRegistered: { departmentId: `dept.a${round}.${i}`, name: `部门 ${round}.${i}`, publicKey: pk, rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false } } }));
      await authority.publishMany(batch);
      // several blocks, by construction: the next round is sent only once this one is committed
      // everywhere. A fixed pause let a loaded machine fold all rounds into one block (the marker
      // came after them), and with the 600 s heartbeat no second block came: the wait below for
      // height >= 2 then stalled until its timeout.
      const expected = 10 * (round + 1);
      await waitFor(async () => (await statuses()).every((x) => Number((x as { committedEvents?: number } | undefined)?.committedEvents ?? 0) >= expected), {
        what: `round ${round + 1} committed on the three nodes`,
        timeoutMs: 60_000,
      });
    }
  } finally {
    await authority.close();
  }
  // every node at the same height holding all 40 events
  await waitFor(
    async () => {
      const s = await statuses();
      const heights = s.map((x) => String(x?.height ?? ''));
      const committed = Math.max(...s.map((x) => Number((x as { committedEvents?: number } | undefined)?.committedEvents ?? 0)));
      return heights[0] !== '' && Number(heights[0]) >= 2 && heights.every((h) => h === heights[0]) && committed >= 40;
    },
    { what: 'the three nodes at one height', timeoutMs: 60_000 },
  );
  await cluster.stop();
  const db = new Level<Uint8Array, Uint8Array>(join(data, 'nodes', '1', 'db'), VIEW);
  await db.open();
  const h = await db.sublevel<Uint8Array, Uint8Array>('chain', VIEW).get(new TextEncoder().encode('head'));
  head = new DataView(h!.buffer, h!.byteOffset, 8).getBigUint64(0, false);
  await db.close();
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('ledger audit on a real three-node cluster', () => {
  it('verifies every node copy, saves a checkpoint and proves growth from it; the copies compare equal', () => {
    const checkpoint = join(data, 'audit-checkpoint.json');
    for (const n of ['1', '2', '3']) {
      const r = runCli(['audit', '--data', data, '--node', n, '--checkpoint', checkpoint, '--json']);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ ok: true, level: 'full', verifiedHeight: head.toString(), finding: null });
      expect(Number(report.events)).toBe(40);
    }
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    expect(saved).toMatchObject({ format: 'ledger-audit-checkpoint/v1', height: head.toString(), logSize: '40' });
    // the note carries a quorum of the nodes' C2SP signatures
    expect(saved.note.split('\n').filter((l: string) => l.startsWith('\u2014 ')).length).toBeGreaterThanOrEqual(2);
    const text = runCli(['audit', '--data', data, '--checkpoint', checkpoint]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`verified up to height ${head}`);
    expect(text.stdout).toMatch(/not checked: records_digest/);
    const same = runCli(['audit', '--compare', data]);
    expect(same.status, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toMatch(/identical/);
  });

  it('a header re-signed with one node key: named at its height (exit 1); --compare names the copy and the field', async () => {
    const copy = join(data, 'tampered-2');
    cpSync(join(data, 'nodes', '2', 'db'), copy, { recursive: true });
    const h = head - 1n;
    const insider = loadKeyFile(cluster!.layout.nodeKey(1));
    const db = new Level<Uint8Array, Uint8Array>(copy, VIEW);
    await db.open();
    const blocks = db.sublevel<Uint8Array, Uint8Array>('blocks', VIEW);
    const commits = db.sublevel<Uint8Array, Uint8Array>('commits', VIEW);
    const block = decode('Block', (await blocks.get(u64be(h)))!, genesis.limits);
    block.header!.blockTimeMs += 1000n; // a changed header field
    const hh = headerHash(encode('BlockHeader', block.header!));
    await blocks.put(u64be(h), encode('Block', block));
    const commit = decode('Commit', (await commits.get(u64be(h)))!, genesis.limits);
    commit.headerHash = hh;
    commit.signatures = commit.signatures.map((s) => (s.nodeIndex === 1 ? { nodeIndex: 1, signature: insider.sign(voteMessage(genesis.hash, h, hh)), noteSignature: new Uint8Array() } : s));
    if (!commit.signatures.some((s) => s.nodeIndex === 1)) commit.signatures = [{ nodeIndex: 1, signature: insider.sign(voteMessage(genesis.hash, h, hh)), noteSignature: new Uint8Array() }, ...commit.signatures];
    await commits.put(u64be(h), encode('Commit', commit));
    await db.close();

    const r = runCli(['audit', '--node-dir', copy, '--genesis', join(data, 'genesis.bin'), '--json']);
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.finding).toMatchObject({ code: 'COMMIT_SIGNATURE_INVALID', height: h.toString() });
    expect(report.finding.field).toMatch(/^commit\.signatures\[\d\]\.signature$/);
    expect(report.verifiedHeight).toBe((h - 1n).toString());
    expect(report.findings.map((f: { code: string }) => f.code)).toContain('QUORUM_NOT_MET');

    const cmp = runCli(['audit', '--compare', join(data, 'nodes', '1'), copy, join(data, 'nodes', '3'), '--genesis', join(data, 'genesis.bin'), '--json']);
    expect(cmp.status, cmp.stderr).toBe(1);
    const c = JSON.parse(cmp.stdout);
    expect(c.odd).toEqual(['tampered-2']);
    expect(c.differences[0]).toMatchObject({ copy: 'tampered-2', height: h.toString(), field: 'header.block_time_ms' });
  });

  it('says what is wrong with its arguments (exit 2)', () => {
    const bad = join(data, 'bad-checkpoint.json');
    writeFileSync(bad, '{"format":"ledger-audit-checkpoint/v1"}');
    const r = runCli(['audit', '--data', data, '--checkpoint', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[BAD_ARGUMENT\]: .*not a ledger-audit-checkpoint\/v1 file: .*origin/);
    const level = runCli(['audit', '--data', data, '--level', 'everything']);
    expect(level.status).toBe(2);
    expect(level.stderr).toMatch(/--level must be one of headers, merkle, full/);
    expect(existsSync(join(data, 'genesis.bin'))).toBe(true);
  });
});
