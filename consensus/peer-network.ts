/**
 * @module consensus/peer-network
 * Votes and blocks between nodes over ws (DESIGN.md section 8). Each node dials every peer at its
 * URL and sends on that connection; it receives on the connections peers dial to it (path /peer
 * of its HTTP server). Dialing reconnects with exponential backoff; each (re)connect is reported so
 * that the core re-sends its latest vote. Messages are signed envelopes (consensus/peer-wire.ts).
 */
import type { Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { LoadedGenesis } from '../ledger/genesis.js';
import type { Signer } from '../ledger/event.js';
import type { PeerPayload } from '../proto/schema.generated.js';
import { openPeerMessage, sealPeerMessage } from './peer-wire.js';

export const PEER_PATH = '/peer';
/** The largest envelope accepted (a block of max_block_bytes with its framing and commit). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface PeerNetworkOptions {
  genesis: LoadedGenesis;
  nodeIndex: number;
  key: Signer;
  /** Peer index -> ws URL (e.g. ws://127.0.0.1:7102/peer). */
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

  constructor(private readonly opts: PeerNetworkOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    opts.server.on('upgrade', (req, socket, head) => {
      // Once handed over for an upgrade a socket has no error listener: a client's reset would be
      // an uncaught error that ends the node process.
      if (socket.listenerCount('error') === 0) socket.on('error', () => socket.destroy());
      if (upgradePath(req.url) !== PEER_PATH) return; // other upgrade paths (the API stream) are not ours
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
    for (const [index, url] of opts.peers) {
      this.links.set(index, { ws: undefined, backoffMs: 100, timer: undefined });
      this.dial(index, url);
    }
  }

  private accept(ws: WebSocket): void {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const msg = openPeerMessage(this.opts.genesis, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (msg !== undefined && msg.from !== this.opts.nodeIndex) this.opts.onMessage(msg.from, msg.payload);
    });
    ws.on('error', () => undefined);
  }

  private dial(index: number, url: string): void {
    if (this.closed) return;
    const link = this.links.get(index)!;
    const ws = new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES, handshakeTimeout: 5_000 });
    link.ws = ws;
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
