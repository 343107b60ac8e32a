/**
 * TLS on a node's links (issue 22, tls/): the node identity certificate carries the genesis key;
 * the stack's CA and server certificates; the node configuration's transport rules; and the peer
 * links over real HTTPS on loopback: a dialer refuses a server showing a key the genesis does not
 * list, a server refuses an upgrade without a genesis node's certificate, and a pinned link takes
 * only its own node's envelopes.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createGenesis, type LoadedGenesis } from '../../ledger/genesis.js';
import { SigningKey, writeNewKeyFile } from '../../ledger/key-file.js';
import { isLedgerError } from '../../errors/ledger-error.js';
import { ed25519KeyOfCertificate, nodeIdentity, pinnedNodeIndex, type TlsIdentity } from '../../tls/identity.js';
import { ensureLocalTls, type LocalTlsFiles } from '../../tls/local-authority.js';
import { loadApiCertificate, nodeServerOptions } from '../../tls/server-tls.js';
import { readCaFile, trustCertificateAuthorities } from '../../tls/client-trust.js';
import { listenService } from '../../tls/listen.js';
import { loadNodeConfig } from '../../consensus/node-config.js';
import { PeerNetwork } from '../../consensus/peer-network.js';
import { sealPeerMessage } from '../../consensus/peer-wire.js';
import type { PeerPayload } from '../../proto/schema.generated.js';
import { waitFor } from '../helpers/kafka.js';
import { peerUpgradeStatus } from '../helpers/peer-upgrade.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-links-'));
const keys = [SigningKey.generate(), SigningKey.generate(), SigningKey.generate()] as const;
const rogue = SigningKey.generate();
const authority = SigningKey.generate();
const genesis: LoadedGenesis = createGenesis({ channel: 'property', authorities: [{ departmentId: 'authority.city', name: '市', publicKey: authority.publicKey }], nodes: keys.map((k) => k.publicKey), quorum: 2 });
let files: LocalTlsFiles;

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isLedgerError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  files = await ensureLocalTls(dir, 3, { ips: ['127.0.0.1'], dns: ['localhost'] });
});

describe('certificates', () => {
  it("a node's identity certificate carries its genesis key, the same bytes every time", async () => {
    const a = await nodeIdentity(keys[0], 1);
    const b = await nodeIdentity(keys[0], 1);
    expect(a.certPem).toBe(b.certPem);
    const der = new Uint8Array(new X509Certificate(a.certPem).raw);
    expect(ed25519KeyOfCertificate(der)).toEqual(keys[0].publicKey);
    expect(pinnedNodeIndex(genesis.genesis.nodes, der)).toBe(1);
    expect(pinnedNodeIndex(genesis.genesis.nodes, new Uint8Array(new X509Certificate((await nodeIdentity(rogue, 1)).certPem).raw))).toBeUndefined();
    // a P-256 certificate is no node's, and junk is nothing
    expect(ed25519KeyOfCertificate(new Uint8Array(new X509Certificate(readFileSync(files.nodeCert(1))).raw))).toBeUndefined();
    expect(ed25519KeyOfCertificate(new Uint8Array([0x30, 0x03, 1, 2, 3]))).toBeUndefined();
  });

  it("the stack's CA signs each node's server certificate for its names; keys are 0600; a second run keeps them", async () => {
    const ca = new X509Certificate(readFileSync(files.ca));
    expect(ca.ca).toBe(true);
    for (const n of [1, 2, 3]) {
      const cert = new X509Certificate(readFileSync(files.nodeCert(n)));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(statSync(files.nodeKey(n)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(files.caKey).mode & 0o777).toBe(0o600);
    const before = readFileSync(files.nodeCert(2), 'utf8');
    await ensureLocalTls(dir, 3, { ips: ['127.0.0.1'], dns: ['localhost'] });
    expect(readFileSync(files.nodeCert(2), 'utf8')).toBe(before);
    expect(readCaFile(files.ca)).toContain('BEGIN CERTIFICATE');
    // a server certificate is not a CA to trust
    expect(errorOf(() => readCaFile(files.nodeCert(1))).message).toContain('not a CA certificate');
  });

  it('the API certificate is checked at load: its key, its form, its file', () => {
    expect(loadApiCertificate(files.nodeCert(1), files.nodeKey(1)).subjectAltName).toContain('127.0.0.1');
    expect(errorOf(() => loadApiCertificate(files.nodeCert(1), files.nodeKey(2)))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('is not the key of tls.cert') });
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(errorOf(() => loadApiCertificate(junk, files.nodeKey(1)))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('not an X.509 certificate') });
    expect(errorOf(() => loadApiCertificate(join(dir, 'absent.pem'), files.nodeKey(1)))).toMatchObject({ code: 'FILE_UNREADABLE', message: expect.stringContaining('ENOENT') });
    expect(errorOf(() => loadApiCertificate(files.nodeCert(1), files.nodeKey(1), new Date('2200-01-01')))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('not now') });
  });
});

describe("a service's listener (the exchange point, the witness)", () => {
  it('serves HTTPS with its certificate, plain HTTP only on loopback when said', async () => {
    const hello = (_req: unknown, res: { end(s: string): void }) => res.end('hello');
    await expect(listenService(hello, '0.0.0.0', 0, 'plain-loopback', 'exchange point x')).rejects.toThrow(/plain HTTP only on loopback/);
    await expect(listenService(hello, '127.0.0.1', 0, { cert: files.nodeCert(1), key: files.nodeKey(2) }, 'exchange point x')).rejects.toThrow(/is not the key of tls.cert/);
    const secure = await listenService(hello, '127.0.0.1', 0, { cert: files.nodeCert(1), key: files.nodeKey(1) }, 'exchange point x');
    const plain = await listenService(hello, '127.0.0.1', 0, 'plain-loopback', 'exchange point x');
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await expect(fetch(secure.url)).rejects.toThrow(); // its CA is not trusted yet
      trustCertificateAuthorities(readCaFile(files.ca));
      expect(await (await fetch(secure.url)).text()).toBe('hello');
      expect(await (await fetch(plain.url)).text()).toBe('hello');
    } finally {
      for (const l of [secure, plain]) {
        l.server.closeAllConnections();
        await new Promise((r) => l.server.close(r));
      }
    }
  });
});

describe('the node configuration says its transport', () => {
  const base = { genesis: 'genesis.bin', key: 'node-1.ed25519key', data: 'data', node: 1 };
  const config = (c: Record<string, unknown>) => {
    const file = join(dir, `node-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ ...base, ...c }));
    return file;
  };
  beforeAll(() => {
    writeFileSync(join(dir, 'genesis.bin'), genesis.bytes);
    writeNewKeyFile(join(dir, 'node-1.ed25519key'), keys[0]);
  });

  it('TLS: the certificate files and wss peers', () => {
    const c = loadNodeConfig(config({ listen: '0.0.0.0:7101', peers: { 2: 'wss://10.0.0.2:7101/peer' }, tls: { cert: 'tls/node-1.pem', key: 'tls/node-1-key.pem' } }));
    expect(c.transport.mode).toBe('tls');
  });

  it('plain only when said, on loopback, with ws peers on loopback', () => {
    expect(loadNodeConfig(config({ listen: '127.0.0.1:7101', peers: { 2: 'ws://127.0.0.1:7102/peer' }, tls: 'plain-loopback' })).transport).toEqual({ mode: 'plain-loopback' });
    expect(errorOf(() => loadNodeConfig(config({ listen: '127.0.0.1:7101', peers: {} }))).message).toContain('tls: missing');
    expect(errorOf(() => loadNodeConfig(config({ listen: '0.0.0.0:7101', peers: {}, tls: 'plain-loopback' }))).message).toContain('needs listen on 127.0.0.1');
    expect(errorOf(() => loadNodeConfig(config({ listen: '127.0.0.1:7101', peers: { 2: 'ws://10.0.0.2:7101/peer' }, tls: 'plain-loopback' }))).message).toContain('peers.2');
    expect(errorOf(() => loadNodeConfig(config({ listen: '127.0.0.1:7101', peers: { 2: 'ws://127.0.0.1:7102/peer' }, tls: { cert: 'tls/node-1.pem', key: 'tls/node-1-key.pem' } }))).message).toContain('over wss://');
    expect(errorOf(() => loadNodeConfig(config({ listen: '127.0.0.1:7101', peers: {}, tls: { cert: 'tls/node-1.pem', key: 'tls/node-2-key.pem' } }))).message).toContain('is not the key of tls.cert');
  });

  // (beside the transport) issue 19: the window of outstanding heights, 1 to 32, the core's default when absent
  it('voteWindow: taken from 1 to 32, absent by default, refused outside', () => {
    const loopback = { listen: '127.0.0.1:7101', peers: {}, tls: 'plain-loopback' };
    expect(loadNodeConfig(config(loopback)).voteWindow).toBeUndefined();
    expect(loadNodeConfig(config({ ...loopback, voteWindow: 1 })).voteWindow).toBe(1);
    expect(loadNodeConfig(config({ ...loopback, voteWindow: 32 })).voteWindow).toBe(32);
    for (const bad of [0, 33, 2.5, '4']) expect(errorOf(() => loadNodeConfig(config({ ...loopback, voteWindow: bad }))).message, `voteWindow ${bad}`).toContain('voteWindow');
  });
});

describe('peer links over TLS, pinned to the genesis', () => {
  interface Running {
    server: Server;
    url: string;
    net: PeerNetwork;
    got: Array<{ from: number; payload: PeerPayload }>;
    logs: string[];
  }
  const running: Running[] = [];
  let two: Running;

  /** A node's server and peer network: `key` is what it holds (the rogue holds a key the genesis does not list). */
  async function start(index: number, key: SigningKey, peers: Map<number, string>): Promise<Running> {
    const identity: TlsIdentity = await nodeIdentity(key, index);
    const server = createHttpsServer(nodeServerOptions(loadApiCertificate(files.nodeCert(index), files.nodeKey(index)), identity));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const got: Running['got'] = [];
    const logs: string[] = [];
    const net = new PeerNetwork({ genesis, nodeIndex: index, key, tls: identity, peers, server, onMessage: (from, payload) => got.push({ from, payload }), onConnected: () => undefined, log: (l) => logs.push(l) });
    const r = { server, url: `wss://127.0.0.1:${port}/peer`, net, got, logs };
    running.push(r);
    return r;
  }

  afterAll(async () => {
    for (const r of running) {
      r.net.close();
      r.server.closeAllConnections();
      await new Promise((res) => r.server.close(res));
    }
  });

  it('two genesis nodes link up and talk; a server showing an unlisted key is refused by the dialer', async () => {
    two = await start(2, keys[1], new Map());
    const impostor = await start(3, rogue, new Map());
    const one = await start(1, keys[0], new Map([[2, two.url], [3, impostor.url]]));
    await waitFor(() => one.net.connectedPeers().includes(2), { what: 'node 1 linked to node 2', timeoutMs: 20_000 });
    one.net.send(2, { headRequest: {} });
    await waitFor(() => two.got.find((m) => m.from === 1 && m.payload.headRequest !== undefined), { what: "node 2 got node 1's head request", timeoutMs: 20_000 });
    await waitFor(() => one.logs.find((l) => l.includes('peer 3') && l.includes('a key the genesis does not list')), { what: 'node 1 refusing the impostor', timeoutMs: 20_000 });
    expect(one.net.connectedPeers()).not.toContain(3);
  });

  it('the peer path takes only a genesis node certificate, and on a pinned link only that node speaks', async () => {
    expect(await peerUpgradeStatus(two.url, undefined)).toBe(403);
    expect(await peerUpgradeStatus(two.url, await nodeIdentity(rogue, 3))).toBe(403);
    // node 2's own key is not a peer of node 2
    expect(await peerUpgradeStatus(two.url, await nodeIdentity(keys[1], 2))).toBe(403);
    await waitFor(() => two.logs.find((l) => l.includes('refused a peer connection')), { what: 'the refusal logged', timeoutMs: 10_000 });

    // node 3's real certificate is let in; on its link an envelope from node 1 (validly signed) is
    // dropped, node 3's own goes through, in order
    const three = await nodeIdentity(keys[2], 3);
    const ws = new WebSocket(two.url, { rejectUnauthorized: false, key: three.keyPem, cert: three.certPem, sigalgs: 'ed25519' });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const before = two.got.length;
    ws.send(sealPeerMessage(genesis, 1, keys[0], { blockRequest: { height: 7n } }), { binary: true });
    ws.send(sealPeerMessage(genesis, 3, keys[2], { blockRequest: { height: 8n } }), { binary: true });
    await waitFor(() => two.got.slice(before).find((m) => m.from === 3), { what: "node 3's envelope", timeoutMs: 10_000 });
    expect(two.got.slice(before).map((m) => [m.from, m.payload.blockRequest?.height])).toEqual([[3, 8n]]);
    ws.close();
  });
});
