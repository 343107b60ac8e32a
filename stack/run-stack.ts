/**
 * @module stack/run-stack
 * `ledger up` as a long-running process: the local cluster (stack/local-cluster.ts), the demo when
 * asked (stack/demo.ts), a status line every few seconds, and Ctrl-C stopping everything.
 */
import { toHex } from '../ledger/bytes.js';
import { fetchStatus, startLocalCluster } from './local-cluster.js';
import { seedDemo } from './demo.js';

export interface RunStackOptions {
  data: string;
  channel: string;
  nodes: number;
  quorum?: number;
  /** Brokers of the stack's Kafka: 1 (development) or 3..5 (a local cluster, production topics). */
  brokers?: number;
  statusInterval: number;
  demo?: boolean;
  /** How the nodes admit API callers (stack/local-cluster.ts apiAccess). */
  apiAccess: 'signed' | 'open-loopback';
  /** A new stack's broker: SASL/SCRAM with ACLs, or plain (stack/local-cluster.ts kafkaSecurity). */
  kafkaSecurity: 'sasl' | 'plain';
}

/** Starts the stack (and the demo), prints what runs, and runs until Ctrl-C. Never returns. */
export async function runStack(opts: RunStackOptions): Promise<never> {
  // Output never decides the stack's lifetime (issue 17): when stdout is a pipe whose reader has
  // died, a write fails with EPIPE, which unhandled would end this process before Ctrl-C stops
  // the nodes and the broker, leaving the broker running with no parent.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const out = (l: string) => {
    try {
      process.stdout.write(`${l}\n`);
    } catch {
      /* nobody reads: carry on */
    }
  };
  const cluster = await startLocalCluster({ dataDir: opts.data, channel: opts.channel, nodes: opts.nodes, quorum: opts.quorum ?? Math.floor(opts.nodes / 2) + 1, brokers: opts.brokers, apiAccess: opts.apiAccess, kafkaSecurity: opts.kafkaSecurity });
  out(`${cluster.createdNow ? 'created' : 'resumed'} the stack in ${cluster.layout.root}`);
  out(
    opts.apiAccess === 'signed'
      ? 'API: signed requests (RFC 9421) with keys registered on the chain; roles per README "Who may read what"'
      : 'API: OPEN LOCAL MODE (--api open-loopback): no authentication; the nodes answer 127.0.0.1 only',
  );
  out(
    cluster.caFile !== undefined
      ? `TLS: the nodes serve HTTPS and link over wss pinned to the genesis keys; their certificates come from the stack's CA ${cluster.caFile} (ledger commands: --cacert or LEDGER_CA_FILE, --data trusts it; curl: --cacert)`
      : 'TLS: none, plain http and ws on 127.0.0.1 only (tls "plain-loopback")',
  );
  out(`trust anchor (genesis hash): ${toHex(cluster.genesis.hash)}  (${cluster.layout.genesis})`);
  for (const n of cluster.nodes) out(`node ${n.index}: ${n.url}/status  log ${cluster.layout.nodeDir(n.index)}/node.log`);
  out('Ctrl-C stops everything.');
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    out('stopping...');
    try {
      await cluster.stop();
    } finally {
      out('stopped.');
      process.exit(code);
    }
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  for (const n of cluster.nodes) {
    void n.exited?.then((code) => {
      if (!stopping) out(`node ${n.index} exited with code ${code} (see ${cluster.layout.nodeDir(n.index)}/node.log)`);
    });
  }
  if (opts.demo) {
    try {
      await seedDemo(cluster, out);
      out('Ctrl-C stops everything; running it again resumes.');
    } catch (e) {
      process.stderr.write(`the demo failed: ${(e as Error).message}\n`);
      await stop(1);
    }
  }
  if (opts.statusInterval > 0) {
    setInterval(async () => {
      const lines = await Promise.all(
        cluster.nodes.map(async (n) => {
          const s = await fetchStatus(n.url);
          if (!s) return `node ${n.index}: not answering`;
          const alarms = (s.alarms as unknown[]).length;
          return `node ${n.index}: ${s.phase} height ${s.height} offset ${s.nextOffset} lag ${s.lag ?? '?'} peers [${(s.peersConnected as number[]).join(',')}]${alarms ? ` alarms ${alarms}` : ''}`;
        }),
      );
      out(`${new Date().toISOString()}  ${lines.join(' | ')}`);
    }, opts.statusInterval * 1000);
  }
  return new Promise<never>(() => undefined);
}
