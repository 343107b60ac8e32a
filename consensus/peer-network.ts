/**
 * @module consensus/peer-network
 * Votes and blocks between nodes over ws (DESIGN.md section 8). Each node dials every peer at its
 * URL and sends on that connection; it receives on the connections peers dial to it (path /peer
 * of its HTTP server). Dialing reconnects with exponential backoff; each (re)connect is reported so
 * that the core re-sends its latest vote. Messages are signed envelopes (consensus/peer-wire.ts).
 * With TLS (issue 22) a link is wss and both ends are pinned to the genesis: the dialer shows its
 * node key's certificate and checks that the server shows the key of the node it dialed; the
 * server takes an upgrade on /peer only from a certificate of another genesis node, and on that
 * link only that node's envelopes. A peer whose key the genesis does not list cannot join.
 */
import type { IncomingMessage, Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { LoadedGenesis } from '../ledger/genesis.js';
import type { Signer } from '../ledger/event.js';
import type { PeerPayload } from '../proto/schema.generated.js';
import { openPeerMessage, sealPeerMessage } from './peer-wire.js';
import { pinnedNodeIndex, type TlsIdentity } from '../tls/identity.js';
import { peerCertificateDer } from '../tls/server-tls.js';

export const PEER_PATH = '/peer';
/** The largest envelope accepted (a block of max_block_bytes with its framing and commit). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface PeerNetworkOptions {
  genesis: LoadedGenesis;
  nodeIndex: number;
  key: Signer;
  /** The node's TLS identity: set, the links are wss and pinned (undefined: plain ws on loopback). */
  tls: TlsIdentity | undefined;
  /** Peer index -> ws URL (e.g. wss://10.0.0.2:7102/peer). */
  peers: Map<number, string>;
  server: Server;
  onMessage(from: number, payload: PeerPayload): void;
  onConnected(peer: number): void;
  log(message: string): void;
}

export class PeerNetwork {
  private readonly links = new Map<number, { ws: WebSocket | undefined; backoffMs: number; timer: NodeJS.Timeout | undefined }>();
  private readonly wss: WebSocketServer;
  private closed = false;
  /** Connections refused for a key the genesis does not list (logged sparsely: an attacker may repeat). */
  private refused = 0;

  constructor(private readonly opts: PeerNetworkOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    opts.server.on('upgrade', (req, socket, head) => {
      // Once handed over for an upgrade a socket has no error listener: a client's reset would be
      // an uncaught error that ends the node process.
      if (socket.listenerCount('error') === 0) socket.on('error', () => socket.destroy());
      if (upgradePath(req.url) !== PEER_PATH) return; // other upgrade paths (the API stream) are not ours
      const from = this.pinnedCaller(req);
      if (from === null) {
        socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n{"code":"FORBIDDEN","message":"the peer path takes only a genesis node\'s certificate"}');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, from));
    });
    for (const [index, url] of opts.peers) {
      this.links.set(index, { ws: undefined, backoffMs: 100, timer: undefined });
      this.dial(index, url);
    }
  }

  /**
   * Who an upgrade on the peer path comes from: the genesis node whose key its TLS certificate
   * carries (null: refused), or undefined on a plain link (the envelopes' signatures decide).
   */
  private pinnedCaller(req: IncomingMessage): number | undefined | null {
    if (this.opts.tls === undefined) return undefined;
    const from = pinnedNodeIndex(this.opts.genesis.genesis.nodes, peerCertificateDer(req.socket));
    if (from !== undefined && from !== this.opts.nodeIndex) return from;
    this.refused++;
    if ((this.refused & (this.refused - 1)) === 0) this.opts.log(`refused a peer connection from ${req.socket.remoteAddress}: its certificate is not another genesis node's key (${this.refused} refused so far)`);
    return null;
  }

  private accept(ws: WebSocket, pinned: number | undefined): void {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const msg = openPeerMessage(this.opts.genesis, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (msg === undefined || msg.from === this.opts.nodeIndex) return;
      // a pinned link carries its own node's envelopes only
      if (pinned !== undefined && msg.from !== pinned) return;
      this.opts.onMessage(msg.from, msg.payload);
    });
    ws.on('error', () => undefined);
  }

  private dial(index: number, url: string): void {
    if (this.closed) return;
    const link = this.links.get(index)!;
    const tls = this.opts.tls;
    const ws = new WebSocket(url, {
      maxPayload: MAX_MESSAGE_BYTES,
      handshakeTimeout: 5_000,
      // the peer is pinned by its genesis key, checked below, not by a CA; offering Ed25519 only
      // makes the server show its node certificate rather than the API's
      ...(tls !== undefined ? { key: tls.keyPem, cert: tls.certPem, sigalgs: 'ed25519', minVersion: 'TLSv1.3' as const, rejectUnauthorized: false } : {}),
    });
    link.ws = ws;
    if (tls !== undefined) {
      ws.on('upgrade', (res) => {
        const shown = pinnedNodeIndex(this.opts.genesis.genesis.nodes, peerCertificateDer(res.socket));
        if (shown === index) return;
        this.opts.log(`peer ${index} at ${url} showed ${shown === undefined ? 'a key the genesis does not list' : `node ${shown}'s key`}: link closed`);
        ws.terminate();
      });
    }
    ws.on('open', () => {
      link.backoffMs = 100;
      this.opts.onConnected(index);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      link.ws = undefined;
      if (this.closed) return;
      link.timer = setTimeout(() => this.dial(index, url), link.backoffMs);
      link.backoffMs = Math.min(link.backoffMs * 2, 5_000);
    });
  }

  /** Sends to one peer or all; a peer that is not connected misses it (votes are re-sent). */
  send(to: 'all' | number, payload: PeerPayload): void {
    const bytes = sealPeerMessage(this.opts.genesis, this.opts.nodeIndex, this.opts.key, payload);
    const targets = to === 'all' ? [...this.links.keys()] : [to];
    for (const t of targets) {
      const ws = this.links.get(t)?.ws;
      if (ws !== undefined && ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
    }
  }

  connectedPeers(): number[] {
    return [...this.links.entries()].filter(([, l]) => l.ws?.readyState === WebSocket.OPEN).map(([i]) => i);
  }

  close(): void {
    this.closed = true;
    for (const l of this.links.values()) {
      if (l.timer) clearTimeout(l.timer);
      l.ws?.terminate();
    }
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}

/** The path of an upgrade request's URL without its query (undefined when it does not parse). */
export function upgradePath(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}
