/**
 * @module api/stream
 * The live stream, ws `/v1/stream`: one JSON message per committed block,
 * `{type:'header', height, headerHash, logSize, logRoot, blockTimeMs, eventCount, ...}`, in height
 * order; with `?department=ID`, also `{type:'event', ...}` for each of that department's included
 * events (with result code and log position), after its block's header; with `?from=H`, the
 * blocks from height H are sent first (catch-up), then live ones. The first message is
 * `{type:'hello', height, channel, genesisHash}`. Shares the node's HTTP server with the peers' ws
 * `/peer` (consensus/peer-network.ts): each upgrade handler takes only its own path. Catch-up is
 * paced by the client's reading; a client that stops reading (30 s stalled, or over 16 MiB
 * buffered) is disconnected.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { toHex } from '../ledger/bytes.js';
import { isLedgerError, LedgerError } from '../errors/ledger-error.js';
import { eventId } from '../ledger/hash.js';
import type { ApiContext } from './context.js';
import { httpStatusOf } from './http-status.js';
import { headerView } from './views.js';
import { eventView } from './views.js';
import { heightText, identifier, parse } from './validation.js';

export const STREAM_PATH = '/v1/stream';
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Catch-up waits while a client has this much unsent; a client stalled this long is dropped. */
const PACE_BYTES = 1024 * 1024;
const STALL_MS = 30_000;
/** Paths other upgrade handlers own (the peers). */
const OTHER_PATHS = new Set(['/peer']);
/** At most this many stream clients per node (each may hold a few MiB of unsent messages). */
export const MAX_STREAM_CLIENTS = 256;

interface Client {
  ws: WebSocket;
  department: string | undefined;
  /** The next height to send. */
  cursor: bigint;
  pumping: Promise<void>;
}

export class Stream {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly clients = new Set<Client>();

  /**
   * @param authorizeUpgrade decides whether an upgrade may stream `department`'s events (issue 22:
   *   api/access-policy.ts authorizeStream); throws a LedgerError to refuse
   */
  constructor(
    private readonly ctx: ApiContext,
    private readonly authorizeUpgrade: (req: IncomingMessage, department: string | undefined) => Promise<void> = async () => undefined,
  ) {}

  /** Takes the upgrades of `/v1/stream` on `server`; refuses unknown upgrade paths with 404. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // a reset by the client must never be an uncaught error (the peer network adds the same)
      if (socket.listenerCount('error') === 0) socket.on('error', () => socket.destroy());
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        return refuse(socket, 400, new LedgerError('BAD_ARGUMENT', 'bad request URL', {}));
      }
      if (OTHER_PATHS.has(url.pathname)) return;
      if (url.pathname !== STREAM_PATH) return refuse(socket, 404, new LedgerError('NOT_FOUND', `no ws route ${url.pathname.slice(0, 100)}`, {}));
      let department: string | undefined;
      let from: bigint | undefined;
      try {
        for (const k of url.searchParams.keys()) if (k !== 'department' && k !== 'from') throw new LedgerError('BAD_ARGUMENT', `unknown query parameter ${k.slice(0, 64)}`, {});
        const d = url.searchParams.getAll('department');
        const f = url.searchParams.getAll('from');
        if (d.length > 1 || f.length > 1) throw new LedgerError('BAD_ARGUMENT', 'give department and from at most once', {});
        if (d[0] !== undefined) department = parse(identifier, d[0], 'department');
        if (f[0] !== undefined) from = parse(heightText, f[0], 'from');
      } catch (e) {
        return refuse(socket, 400, e);
      }
      this.authorizeUpgrade(req, department).then(
        () => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, department, from)),
        (e: unknown) => refuse(socket, httpStatusOf(e), e),
      );
    });
  }

  private accept(ws: WebSocket, department: string | undefined, from: bigint | undefined): void {
    if (this.clients.size >= MAX_STREAM_CLIENTS) {
      ws.close(1013, 'too many stream clients: try again later');
      return;
    }
    const head = this.ctx.blocks.head.height;
    const client: Client = { ws, department, cursor: from ?? head + 1n, pumping: Promise.resolve() };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
    ws.on('message', () => undefined); // clients have nothing to say
    this.sendJson(client, { type: 'hello', height: head.toString(), channel: this.ctx.genesis.genesis.channel, genesisHash: toHex(this.ctx.genesis.hash), department: department ?? null });
    if (client.cursor <= head) this.pump(client, head);
  }

  /** A committed height (in order): every client catches up to it. */
  onCommitted(height: bigint): void {
    for (const c of this.clients) this.pump(c, height);
  }

  private pump(client: Client, target: bigint): void {
    client.pumping = client.pumping.then(async () => {
      while (client.cursor <= target && this.clients.has(client)) {
        // a catch-up (`from`) is paced by the client: wait while its socket holds much unsent data
        const since = Date.now();
        while (client.ws.bufferedAmount > PACE_BYTES && this.clients.has(client)) {
          if (Date.now() - since > STALL_MS) throw new Error('the client does not read');
          await new Promise((r) => setTimeout(r, 20));
        }
        await this.sendBlock(client, client.cursor);
        client.cursor++;
      }
    }).catch(() => {
      client.ws.terminate();
      this.clients.delete(client);
    });
  }

  private async sendBlock(client: Client, height: bigint): Promise<void> {
    const block = await this.ctx.blocks.block(height);
    if (block === undefined) throw new Error(`block ${height} missing`);
    const header = block.header!;
    const hv = headerView(header);
    this.sendJson(client, { type: 'header', ...hv });
    if (client.department === undefined) return;
    const first = header.logSize - BigInt(block.events.length);
    block.events.forEach((e, i) => {
      const v = eventView(this.ctx, height, i, first + BigInt(i), e, eventId(e.event!.body));
      if (v.departmentId === client.department) this.sendJson(client, { type: 'event', ...v });
    });
  }

  private sendJson(client: Client, message: unknown): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      client.ws.close(1008, 'the client does not keep up');
      this.clients.delete(client);
      return;
    }
    client.ws.send(JSON.stringify(message));
  }

  close(): void {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    this.wss.close();
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' };

function refuse(socket: Duplex, status: number, e: unknown): void {
  const body = JSON.stringify(isLedgerError(e) ? { code: e.code, message: e.message } : { code: 'BAD_ARGUMENT', message: 'bad request' });
  const reason = STATUS_TEXT[status] ?? 'Bad Request';
  if (socket.listenerCount('error') === 0) socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
