/**
 * @module consensus/node-process
 * A running consensus node (DESIGN.md sections 8 and 11): the node core driven by a kafkajs
 * consumer (a fresh group id per start, no auto-commit, seek to the stored offset after `run`,
 * redelivered offsets skipped by the core, bigint offsets), a producer that posts its signed
 * time-to-cut and heartbeat markers, ws links to its peers, a clock tick, signature checks on
 * worker threads, its own LevelDB folder, and a status endpoint (height, lag, alarms).
 * `runNode` returns a stop function.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { Projections } from '../ledger/projections.js';
import { selfTestEd25519 } from '../ledger/signature.js';
import { createKafka, createProducer, recordTimestampType } from '../kafka/client.js';
import { resolveBrokers } from '../kafka/provision.js';
import { channelTopic, checkChannelTopic } from '../kafka/topics.js';
import { checkChannelWriters } from '../kafka/channel-acls.js';
import { credentialsFromEnv } from '../kafka/credentials.js';
import type { Alarm, CoreOutput, KafkaRecord } from './messages.js';
import type { NodeConfig } from './node-config.js';
import { openNodeDb } from './node-store.js';
import { NodeCore, type CommitHook } from './node-core.js';
import { PeerNetwork } from './peer-network.js';
import { inputOf, payloadOf } from './peer-wire.js';
import { SignaturePool } from './signature-pool.js';
import { BlockLatency, StageTimings, type StageSummary } from './stage-timings.js';
import { nodeIdentity, type TlsIdentity } from '../tls/identity.js';
import { nodeServerOptions } from '../tls/server-tls.js';

const TICK_MS = 20;
const DEBUG = process.env.LEDGER_DEBUG === '1';
/** How often a starting node tries to reach Kafka before it gives up (about 5 minutes). */
const STARTUP_KAFKA_ATTEMPTS = 65;

export interface NodeStatus {
  node: number;
  channel: string;
  genesisHash: string;
  phase: string;
  height: string;
  nextOffset: string;
  /** The first offset not covered by a committed block. */
  committedOffset: string;
  highWatermark: string | null;
  lag: string | null;
  peersConnected: number[];
  alarms: Array<{ kind: string; height: string; message: string; halted: boolean }>;
  committedEvents: number;
  /** Blocks this node took from peers (catch-up) rather than cutting them itself. */
  blocksFromPeers: number;
  startedAt: string;
  /**
   * CPU time of the whole node process (all threads: main, signature workers, LevelDB's) since it
   * started, user plus system, in µs (process.cpuUsage): the bench divides it by committed events.
   */
  cpuMicros: number;
  /** This node's votes awaiting their quorums (at most its vote window, issue 19). */
  outstandingVotes: number;
  /** Durable batches written since start: vote-only, commit (each may carry votes: group commit), and the votes they carried. */
  durableWrites: { voteBatches: number; commitBatches: number; votesInCommitBatches: number };
  /** Durations of the commit path's stages (consensus/stage-timings.ts), in ms. */
  stages: Partial<Record<string, StageSummary>>;
  /** What the node runs beside consensus adds here (the outside witnesses' lag, issue 23). */
  [extra: string]: unknown;
}

export interface RunningNode {
  core: NodeCore;
  /** The projections this node writes in each commit batch (ledger/queries.ts reads them). */
  projections: Projections;
  /**
   * Produces records to the channel's topic through the node's one producer (DESIGN.md section 11:
   * one producer per process, one send in flight, awaited): the records go in one send, in order,
   * after any marker before them. Resolves with the first record's offset.
   */
  produce(values: Uint8Array[]): Promise<{ partition: number; baseOffset: bigint }>;
  server: Server;
  status(): NodeStatus;
  /** Resolves when the node halted (divergence, unknown rules version) or was stopped. */
  done: Promise<{ halted: boolean; alarm?: Alarm }>;
  stop(): Promise<void>;
}

export interface RunNodeOptions {
  hooks?: CommitHook[];
  log?: (line: string) => void;
  /** Extra HTTP handling (the API); status is served at /status regardless. */
  onRequest?: Parameters<typeof createServer>[1];
  /** Called with every committed height (the API's stream, the witness feeder). */
  onCommitted?: (height: bigint) => void;
  /** More fields for the status (e.g. `witnesses`), read each time the status is. */
  statusExtra?: () => Record<string, unknown>;
}

export async function runNode(config: NodeConfig, options: RunNodeOptions = {}): Promise<RunningNode> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} node-${config.nodeIndex} ${line}\n`));
  selfTestEd25519();
  const g = config.genesis;
  const channel = g.genesis.channel;
  const topic = channelTopic(channel);
  const brokers = config.brokers ?? resolveBrokers().brokers;
  // DESIGN.md section 8: refuse to start on a topic that breaks the invariants. A broker that is
  // down (restarting) is waited for, with a log line, rather than a reason to exit.
  for (let attempt = 1; ; attempt++) {
    try {
      await checkChannelTopic(brokers, channel, config.topicMode);
      // issue 22: a node that authenticates to Kafka (or is told who writes) refuses a channel
      // whose ACLs let a principal it does not know write, as it refuses a misconfigured topic
      if (config.kafkaWriters !== undefined || credentialsFromEnv() !== undefined) await checkChannelWriters(brokers, channel, config.kafkaWriters ?? []);
      break;
    } catch (e) {
      if (!(e instanceof LedgerError) || e.code !== 'UNAVAILABLE' || attempt >= STARTUP_KAFKA_ATTEMPTS) throw e;
      log(`waiting for Kafka (${e.message})`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
    }
  }

  mkdirSync(config.dataDir, { recursive: true });
  const db = await openNodeDb(join(config.dataDir, 'db'), { createIfMissing: true });
  // The projections (DESIGN.md section 9) are written in each block's atomic batch, before any
  // other hook, so that the API's queries stand at the committed height.
  const projections = await Projections.open(db as never, { limits: g.limits });
  const pool = config.signatureWorkers === 0 ? undefined : new SignaturePool(config.signatureWorkers);
  // where an event's time goes (issue 19): stage durations, in the status and at /metrics
  const timings = new StageTimings();
  const latency = new BlockLatency(timings);
  const core = await NodeCore.open({
    timings,
    genesis: g,
    nodeIndex: config.nodeIndex,
    key: config.key,
    db,
    hooks: [projections.hook, ...(options.hooks ?? [])],
    ...(pool ? { prepareSignatures: pool.prepare } : {}),
    // votes go out as soon as they are made; the rest is folded on the next turn (continueFolding)
    yieldAfterVote: true,
    ...(config.voteWindow !== undefined ? { voteWindow: config.voteWindow } : {}),
  });
  const startedAt = new Date().toISOString();
  let committedEvents = 0;
  let blocksFromPeers = 0;
  let highWatermark: bigint | null = null;
  let stopped = false;
  let resolveDone!: (r: { halted: boolean; alarm?: Alarm }) => void;
  const done = new Promise<{ halted: boolean; alarm?: Alarm }>((r) => (resolveDone = r));

  const kafka: Kafka = createKafka({ brokers, clientId: `ledger-node-${config.nodeIndex}` });
  const producer: Producer = createProducer(kafka);
  await producer.connect();

  // -- HTTP(S) server: peers (ws /peer), status, and whatever the API adds; TLS unless the config
  // says plain-loopback (issue 22), the peer links under the node's own key
  const identity: TlsIdentity | undefined = config.transport.mode === 'tls' ? await nodeIdentity(config.key, config.nodeIndex) : undefined;
  const handleRequest: RequestListener = (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/status' && req.method === 'GET') {
      // ?since=<epoch ms>: stage durations recorded from then on only (the e2e bench's latency phase)
      const since = new URL(req.url ?? '/', 'http://node').searchParams.get('since');
      if (since !== null && !/^\d{1,15}$/.test(since)) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'BAD_ARGUMENT', message: 'since must be a time in milliseconds since the epoch (1 to 15 digits)' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status(since === null ? undefined : Number(since))));
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics());
      return;
    }
    if (options.onRequest) options.onRequest(req, res);
    else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND', message: 'no such route' }));
  };
  const server: Server = config.transport.mode === 'tls' ? createHttpsServer(nodeServerOptions(config.transport.api, identity!), handleRequest) : createServer(handleRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new LedgerError('CONFLICT', `node ${config.nodeIndex}: ${config.host}:${config.port} is in use`, { port: config.port })
          : new LedgerError('UNAVAILABLE', `node ${config.nodeIndex}: cannot listen on ${config.host}:${config.port}: ${e.message}`, {}),
      ),
    );
    server.listen(config.port, config.host, () => resolve());
  });

  // Outputs are routed in order; inputs reach the core one at a time (core.handle serialises).
  let consumer: Consumer | undefined;
  let markerChain: Promise<unknown> = Promise.resolve();
  const peers = new PeerNetwork({
    genesis: g,
    nodeIndex: config.nodeIndex,
    key: config.key,
    tls: identity,
    peers: new Map([...config.peers].map(([i, url]) => [i, url.endsWith('/peer') ? url : `${url.replace(/\/$/, '')}/peer`])),
    server,
    onMessage: (from, payload) => {
      const input = inputOf(from, payload);
      if (input) feed(core.handle(input));
    },
    onConnected: (peer) => feed(core.handle({ kind: 'peer-connected', peer })),
    log,
  });

  function route(outs: CoreOutput[]): void {
    for (const o of outs) {
      if (o.kind === 'send-vote' && o.firstOffset !== undefined) latency.onVote(o.vote.height, o.firstOffset);
      const p = payloadOf(o);
      if (p) {
        peers.send(p.to, p.payload);
        continue;
      }
      switch (o.kind) {
        case 'post-marker':
          // one send in flight per producer (DESIGN.md section 11): markers are chained
          markerChain = markerChain
            .then(() => producer.send({ topic, acks: -1, messages: [{ value: Buffer.from(o.value) }] }))
            .catch((e: Error) => log(`marker for height ${o.height} not posted: ${e.message}`));
          break;
        case 'consume-from':
          if (consumer !== undefined) log(`seeking to offset ${o.offset}`);
          startConsumerUntilRunning(o.offset);
          break;
        case 'committed':
          committedEvents += o.eventCount;
          void core.blocks.header(o.height).then((h) => h !== undefined && latency.onCommitted(o.height, h.firstOffset, Date.now())).catch(() => undefined);
          if (o.viaPeer) {
            blocksFromPeers++;
            if (blocksFromPeers === 1 || blocksFromPeers % 100 === 0) log(`took block ${o.height} from a peer (${blocksFromPeers} so far)`);
          }
          options.onCommitted?.(o.height);
          break;
        case 'alarm':
          log(`ALARM ${o.alarm.kind} at height ${o.alarm.height}: ${o.alarm.message}`);
          writeStatusFile();
          if (o.alarm.halted) resolveDone({ halted: true, alarm: o.alarm });
          break;
      }
    }
  }

  function feed(p: Promise<CoreOutput[]>): void {
    p.then(routeAndContinue).catch((e: Error) => {
      log(`internal error: ${e.stack ?? e.message}`);
      resolveDone({ halted: true });
    });
  }

  /**
   * Routes a handled input's outputs; if the core stopped folding queued records to let a vote go
   * out, feeds it a tick on the next turn of the event loop (after pending I/O such as peers'
   * votes) so that folding resumes without waiting for the clock.
   */
  let continueScheduled = false;
  /** The last records input given to the core (the consumer hands it the next only after it). */
  let recordsHandled: Promise<unknown> = Promise.resolve();
  function routeAndContinue(outs: CoreOutput[]): void {
    route(outs);
    if (continueScheduled || stopped || !core.hasFoldableRecords) return;
    continueScheduled = true;
    setImmediate(() => {
      continueScheduled = false;
      if (!stopped) feed(core.handle({ kind: 'tick', nowMs: Date.now() }));
    });
  }

  /**
   * Starts (or re-seeks) the consumer, retrying every second while Kafka cannot be reached (a
   * broker restart can outlast kafkajs's own retries), until the node is stopped.
   */
  function startConsumerUntilRunning(offset: bigint): void {
    startConsumer(offset).catch((e: Error) => {
      log(`consumer not started: ${e.message}; retrying`);
      if (!stopped) setTimeout(() => startConsumerUntilRunning(core.status.nextOffset), 1000);
    });
  }

  async function startConsumer(offset: bigint): Promise<void> {
    if (stopped) return;
    if (consumer !== undefined) {
      consumer.seek({ topic, partition: 0, offset: offset.toString() });
      return;
    }
    // A fresh group id per start: kafkajs has no manual assign, and we never want its committed
    // offsets (DESIGN.md section 8); the core's stored offset is the only truth.
    // On a crash (e.g. the broker restarted) kafkajs would rejoin the *same* group and wait out
    // the old member's session (30 s); a new consumer with a new group and a seek resumes at once.
    const c = kafka.consumer({
      groupId: `ledger-node-${config.nodeIndex}-${randomUUID()}`,
      maxWaitTimeInMs: 25,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000, restartOnFailure: async () => false },
    });
    consumer = c;
    const restart = (e: Error) => {
      log(`consumer stopped: ${e.message}; starting a new one`);
      if (!stopped && consumer === c) {
        consumer = undefined;
        void c.disconnect().catch(() => undefined);
        setTimeout(() => startConsumerUntilRunning(core.status.nextOffset), 500);
      }
    };
    c.on(c.events.CRASH, (ev: { payload: { error: Error; restart: boolean } }) => restart(ev.payload.error));
    try {
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        // Nothing is committed to the group (the core's stored offset is the truth), but batches are
        // resolved: kafkajs fetches from the last resolved offset, and would redeliver forever.
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat }) => {
          const records: KafkaRecord[] = batch.messages.map((m) => ({
            offset: BigInt(m.offset),
            timestamp: BigInt(m.timestamp),
            logAppendTime: recordTimestampType(m) === 'LogAppendTime',
            value: m.value === null ? null : new Uint8Array(m.value.buffer, m.value.byteOffset, m.value.byteLength),
          }));
          if (batch.highWatermark !== undefined) highWatermark = BigInt(batch.highWatermark);
          latency.onRecords(records, Date.now());
          if (DEBUG) log(`batch ${batch.firstOffset()}..${batch.lastOffset()} (${records.length} records), core at ${core.status.nextOffset} ${core.status.phase}`);
          // At most one records input in the core at a time, but not awaited here: kafkajs issues
          // its next fetch only when this returns, so the fetch (and the broker's wait for new
          // records) overlaps the fold of this batch instead of following it (issue 19:
          // kafka_to_consume included the previous batch's fold, cut and vote fsync).
          await recordsHandled;
          // Backpressure by holding the batch (with heartbeats) until the core wants more: simpler
          // and safer than kafkajs pause/resume, which can drop or skip prefetched batches.
          while (!core.wantsRecords && !stopped && consumer === c) {
            await new Promise((r) => setTimeout(r, 10));
            await heartbeat();
          }
          if (records.length > 0 && consumer === c) {
            const hw = batch.highWatermark;
            const handled = core.handle({ kind: 'records', records, ...(hw !== undefined && /^\d+$/.test(hw) ? { highWatermark: BigInt(hw) } : {}) });
            recordsHandled = handled.catch(() => undefined);
            // a failed records input restarts the consumer from the core's offset, as a batch
            // that threw inside kafkajs did when it was awaited here
            feed(handled.catch((e: Error) => (restart(e), [])));
          }
          await heartbeat();
        },
      });
    } catch (e) {
      // a consumer that never started must not stay current: later starts would only seek it
      if (consumer === c) consumer = undefined;
      void c.disconnect().catch(() => undefined);
      throw e;
    }
    c.seek({ topic, partition: 0, offset: offset.toString() });
    log(`consuming ${topic} from offset ${offset}`);
  }

  /** Records for the topic (the API's submissions) share the markers' chain: one send in flight. */
  function produce(values: Uint8Array[]): Promise<{ partition: number; baseOffset: bigint }> {
    const send = markerChain.then(async () => {
      const meta = await producer.send({ topic, acks: -1, messages: values.map((v) => ({ value: Buffer.from(v), partition: 0 })) });
      const m = meta[0];
      if (m === undefined || m.baseOffset === undefined) throw new LedgerError('UNAVAILABLE', 'Kafka acknowledged the send without an offset', {});
      return { partition: m.partition, baseOffset: BigInt(m.baseOffset) };
    });
    markerChain = send.catch(() => undefined);
    return send.catch((e: unknown) => {
      throw e instanceof LedgerError ? e : new LedgerError('UNAVAILABLE', `Kafka did not take the records: ${(e as Error).message}`, {}, { cause: e });
    });
  }

  const tick = setInterval(() => {
    feed(core.handle({ kind: 'tick', nowMs: Date.now() }));
  }, TICK_MS);
  const statusTimer = setInterval(writeStatusFile, 2000);

  function cpuMicros(): number {
    const u = process.cpuUsage();
    return u.user + u.system;
  }

  function status(stagesSinceEpochMs?: number): NodeStatus {
    const s = core.status;
    return {
      node: config.nodeIndex,
      channel,
      genesisHash: toHex(g.hash),
      phase: s.phase,
      height: s.height.toString(),
      nextOffset: s.nextOffset.toString(),
      committedOffset: core.blocks.head.nextOffset.toString(),
      highWatermark: highWatermark?.toString() ?? null,
      lag: highWatermark === null ? null : (highWatermark > s.nextOffset ? highWatermark - s.nextOffset : 0n).toString(),
      peersConnected: peers.connectedPeers(),
      alarms: s.alarms.map((a) => ({ kind: a.kind, height: a.height.toString(), message: a.message, halted: a.halted })),
      committedEvents,
      blocksFromPeers,
      startedAt,
      cpuMicros: cpuMicros(),
      outstandingVotes: s.outstanding,
      durableWrites: s.writes,
      stages: timings.summary(stagesSinceEpochMs),
      ...options.statusExtra?.(),
    };
  }

  /** /metrics: the status's figures and the stage durations, in the Prometheus text format. */
  function metrics(): string {
    const s = core.status;
    const labels = `{node="${config.nodeIndex}",channel="${channel}"}`;
    const gauge = (name: string, help: string, value: bigint | number) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}${labels} ${value}\n`;
    return [
      gauge('ledger_height', 'Height of the last committed block.', s.height),
      gauge('ledger_committed_events', 'Events committed since the node started.', committedEvents),
      gauge('ledger_lag_records', 'Records in the topic not yet consumed.', highWatermark === null ? 0 : highWatermark > s.nextOffset ? highWatermark - s.nextOffset : 0n),
      gauge('ledger_halted', '1 when the node halted on a divergence.', s.phase === 'halted' ? 1 : 0),
      gauge('ledger_alarms', 'Alarms raised since the node started.', s.alarms.length),
      timings.prometheus({ node: String(config.nodeIndex), channel }),
    ].join('');
  }

  function writeStatusFile(): void {
    try {
      writeFileSync(join(config.dataDir, 'status.json'), `${JSON.stringify(status(), null, 2)}\n`);
    } catch {
      /* the folder may be going away on stop */
    }
  }

  feed(core.handle({ kind: 'start', nowMs: Date.now() }));
  const served = config.transport.mode === 'tls' ? `https (certificate for ${config.transport.api.subjectAltName || 'no names'}, valid to ${config.transport.api.validTo}; peers over wss pinned to the genesis keys)` : 'plain http on loopback (tls "plain-loopback")';
  log(`node ${config.nodeIndex} of ${g.genesis.nodes.length} (quorum ${g.genesis.quorum}) on ${config.host}:${config.port}, ${served}, channel ${channel}, height ${core.status.height}`);

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    clearInterval(tick);
    clearInterval(statusTimer);
    peers.close();
    await consumer?.disconnect().catch(() => undefined);
    await markerChain.catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections?.();
    // let the core finish what it is doing before the store closes
    await core.handle({ kind: 'tick', nowMs: Date.now() }).catch(() => undefined);
    writeStatusFile();
    await pool?.close();
    await db.close();
    resolveDone({ halted: false });
  }

  return { core, projections, produce, server, status, done, stop };
}
