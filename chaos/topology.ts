/**
 * @module chaos/topology
 * Separate hosts on one machine (issue 26): each host (a consensus node, a broker) in its own
 * Linux network namespace, joined by a veth pair to one bridge in the machine's own namespace,
 * with an address of the project's own test subnet `10.77.<s>.0/24` (the bridge is `.1`, where the
 * harness itself talks from). Links between any two hosts can then be cut and healed, and made
 * slow and lossy, without touching any process.
 *
 * How faults are made, and why:
 *  - a cut is a `blackhole` route to the other host on *both* sides (`ip route`): nothing crosses in
 *    either direction; established TCP connections hang until their own timeouts and new ones
 *    fail at once, as across a broken WAN link with a firewall that drops.
 *  - a slow, lossy link is an HTB class (`tc`) that u32 steers the traffic to one destination into,
 *    with a low rate and a short queue: packets wait (delay) and overflow (loss) under load. It is
 *    not `tc netem`: the kernel this project's CI runs on has no sch_netem (nor prio, gact,
 *    flower); HTB, TBF, pfifo and the u32 classifier are there. `netemAvailable()` says which.
 * Needs root and iproute2 (`ip`, `tc`). `destroy()` deletes the namespaces (their veth ends go with
 * them) and the bridge; an exit hook does the same if the process ends first.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LedgerError } from '../errors/ledger-error.js';
import { requireProgram } from '../stack/prerequisites.js';

/** The project's own test subnet: 10.77.<s>.0/24, never an outside host. */
export const TEST_NET_PREFIX = '10.77';

export interface Host {
  name: string;
  /** The network namespace (`ip netns exec <ns> ...`). */
  ns: string;
  ip: string;
}

export interface LinkShape {
  /** Rate of the link in kbit/s (delay grows with the queue). */
  rateKbit: number;
  /** Packets the link queues before it drops (loss under load). */
  queuePackets: number;
}

export interface Topology {
  /** The address the harness (the machine's own namespace) has on the bridge. */
  harnessIp: string;
  hosts: Map<string, Host>;
  host(name: string): Host;
  /** The command line that runs `argv` inside a host's namespace. */
  exec(name: string, argv: string[]): string[];
  /** Cuts the link between two hosts, both directions (idempotent). */
  cut(a: string, b: string): void;
  heal(a: string, b: string): void;
  /** Cuts `name` from every other host (the harness still reaches it). */
  isolate(name: string): void;
  rejoin(name: string): void;
  /** Makes the link from `a` to `b` slow and lossy (one direction; call twice for both). */
  shape(a: string, b: string, shape: LinkShape): void;
  unshape(a: string, b: string): void;
  /** Removes every cut and shape. */
  healAll(): void;
  destroy(): void;
}

function sh(argv: string[], what: string, allowFail = false): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  if ((r.status !== 0 || r.error) && !allowFail) {
    throw new LedgerError('UNAVAILABLE', `${what} failed (${argv.join(' ')}): ${(r.stderr || r.error?.message || '').trim()}`, { argv });
  }
  return r.stdout ?? '';
}

/** Whether we can make namespaces (root, iproute2); the reason when not. */
export function topologyUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the fault harness needs root (network namespaces); run it as root, as CI does';
  try {
    requireProgram('ip');
    requireProgram('tc');
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** Whether this kernel has sch_netem (delay and loss by distribution); ours has not. */
export function netemAvailable(): boolean {
  const ns = `lgprobe${randomBytes(2).toString('hex')}`;
  sh(['ip', 'netns', 'add', ns], 'creating a probe namespace');
  try {
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up'], 'lo up');
    const r = spawnSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { encoding: 'utf8' });
    return r.status === 0;
  } finally {
    sh(['ip', 'netns', 'del', ns], 'deleting the probe namespace', true);
  }
}

/** A free third octet: one no interface of this machine uses yet. */
function freeSubnet(): number {
  const used = sh(['ip', '-o', '-4', 'addr', 'show'], 'listing addresses');
  for (let attempt = 0; attempt < 200; attempt++) {
    const s = 1 + randomBytes(1)[0]! % 254;
    if (!used.includes(`${TEST_NET_PREFIX}.${s}.`)) return s;
  }
  throw new LedgerError('CONFLICT', `no free ${TEST_NET_PREFIX}.x.0/24 subnet for the fault harness`);
}

/**
 * Creates one namespace per name (at most 200), each with an address on a fresh bridge.
 * @throws LedgerError MISSING_PREREQUISITE (not root, no iproute2), UNAVAILABLE (a step failed; what
 *   was made is removed again)
 */
export function createTopology(names: string[]): Topology {
  const why = topologyUnavailable();
  if (why) throw new LedgerError('MISSING_PREREQUISITE', why);
  // short names: interface names are at most 15 bytes
  const tag = `lg${randomBytes(2).toString('hex')}`;
  const bridge = `${tag}br`;
  const s = freeSubnet();
  const harnessIp = `${TEST_NET_PREFIX}.${s}.1`;
  const hosts = new Map<string, Host>();
  const cuts = new Set<string>();
  const shapes = new Set<string>();
  let destroyed = false;

  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    process.off('exit', destroy);
    for (const h of hosts.values()) sh(['ip', 'netns', 'del', h.ns], `deleting ${h.ns}`, true);
    sh(['ip', 'link', 'del', bridge], `deleting ${bridge}`, true);
  };
  process.on('exit', destroy);

  try {
    sh(['ip', 'link', 'add', bridge, 'type', 'bridge'], 'creating the bridge');
    sh(['ip', 'addr', 'add', `${harnessIp}/24`, 'dev', bridge], 'addressing the bridge');
    sh(['ip', 'link', 'set', bridge, 'up'], 'bringing the bridge up');
    names.forEach((name, i) => {
      if (!/^[a-z0-9]{1,6}$/.test(name)) throw new LedgerError('BAD_ARGUMENT', `host name "${name}": 1 to 6 of a-z 0-9`);
      const host: Host = { name, ns: `${tag}-${name}`, ip: `${TEST_NET_PREFIX}.${s}.${10 + i}` };
      hosts.set(name, host);
      const veth = `${tag}${name}`;
      sh(['ip', 'netns', 'add', host.ns], `creating namespace ${host.ns}`);
      sh(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.ns], `creating the veth of ${name}`);
      sh(['ip', 'link', 'set', veth, 'master', bridge, 'up'], `attaching ${veth}`);
      sh(['ip', '-n', host.ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0'], `addressing ${name}`);
      sh(['ip', '-n', host.ns, 'link', 'set', 'eth0', 'up'], `eth0 of ${name} up`);
      sh(['ip', '-n', host.ns, 'link', 'set', 'lo', 'up'], `lo of ${name} up`);
      // HTB at the root: class 1:1 (default) unshaped; shaped links get their own classes
      sh(['ip', 'netns', 'exec', host.ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb', 'default', '1'], `qdisc of ${name}`);
      sh(['ip', 'netns', 'exec', host.ns, 'tc', 'class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit'], `class of ${name}`);
    });
  } catch (e) {
    destroy();
    throw e;
  }

  const host = (name: string): Host => {
    const h = hosts.get(name);
    if (!h) throw new LedgerError('BAD_ARGUMENT', `no host "${name}" in the topology (${[...hosts.keys()].join(', ')})`);
    return h;
  };
  const index = (name: string) => [...hosts.keys()].indexOf(name) + 2; // class ids 1:2.. per destination
  const route = (from: Host, to: Host, op: 'add' | 'del') => sh(['ip', '-n', from.ns, 'route', op, 'blackhole', `${to.ip}/32`], `${op} blackhole ${from.name}->${to.name}`, op === 'del');
  const pairKey = (a: string, b: string) => [a, b].sort().join('|');

  const topology: Topology = {
    harnessIp,
    hosts,
    host,
    exec: (name, argv) => ['ip', 'netns', 'exec', host(name).ns, ...argv],
    cut(a, b) {
      const k = pairKey(a, b);
      if (cuts.has(k)) return;
      route(host(a), host(b), 'add');
      route(host(b), host(a), 'add');
      cuts.add(k);
    },
    heal(a, b) {
      const k = pairKey(a, b);
      if (!cuts.has(k)) return;
      route(host(a), host(b), 'del');
      route(host(b), host(a), 'del');
      cuts.delete(k);
    },
    isolate(name) {
      for (const other of hosts.keys()) if (other !== name) topology.cut(name, other);
    },
    rejoin(name) {
      for (const other of hosts.keys()) if (other !== name) topology.heal(name, other);
    },
    shape(a, b, shape) {
      const from = host(a);
      const to = host(b);
      const classId = `1:${index(b).toString(16)}`;
      if (shapes.has(`${a}>${b}`)) topology.unshape(a, b);
      const x = (argv: string[], what: string) => sh(['ip', 'netns', 'exec', from.ns, 'tc', ...argv], what);
      x(['class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', classId, 'htb', 'rate', `${shape.rateKbit}kbit`, 'ceil', `${shape.rateKbit}kbit`], `shaping ${a}->${b}`);
      x(['qdisc', 'add', 'dev', 'eth0', 'parent', classId, 'pfifo', 'limit', String(shape.queuePackets)], `queue of ${a}->${b}`);
      x(['filter', 'add', 'dev', 'eth0', 'parent', '1:', 'protocol', 'ip', 'pref', String(100 + index(b)), 'u32', 'match', 'ip', 'dst', `${to.ip}/32`, 'flowid', classId], `steering ${a}->${b}`);
      shapes.add(`${a}>${b}`);
    },
    unshape(a, b) {
      if (!shapes.has(`${a}>${b}`)) return;
      const from = host(a);
      const classId = `1:${index(b).toString(16)}`;
      sh(['ip', 'netns', 'exec', from.ns, 'tc', 'filter', 'del', 'dev', 'eth0', 'parent', '1:', 'pref', String(100 + index(b))], `unsteering ${a}->${b}`, true);
      sh(['ip', 'netns', 'exec', from.ns, 'tc', 'class', 'del', 'dev', 'eth0', 'classid', classId], `unshaping ${a}->${b}`, true);
      shapes.delete(`${a}>${b}`);
    },
    healAll() {
      for (const k of [...cuts]) {
        const [a, b] = k.split('|') as [string, string];
        topology.heal(a, b);
      }
      for (const k of [...shapes]) {
        const [a, b] = k.split('>') as [string, string];
        topology.unshape(a, b);
      }
    },
    destroy,
  };
  return topology;
}

/**
 * Deletes namespaces and bridges a killed harness left behind (names `lg<hex>-*` and `lg<hex>br`),
 * when no process runs in them any more.
 */
export function removeStaleTopologies(): string[] {
  const removed: string[] = [];
  for (const line of sh(['ip', 'netns', 'list'], 'listing namespaces', true).split('\n')) {
    const ns = line.split(' ')[0] ?? '';
    if (!/^lg[0-9a-f]{4}-[a-z0-9]+$/.test(ns)) continue;
    if (sh(['ip', 'netns', 'pids', ns], `pids of ${ns}`, true).trim() !== '') continue;
    sh(['ip', 'netns', 'del', ns], `deleting ${ns}`, true);
    removed.push(ns);
  }
  for (const line of sh(['ip', '-o', 'link', 'show', 'type', 'bridge'], 'listing bridges', true).split('\n')) {
    const m = /^\d+: (lg[0-9a-f]{4}br)[:@]/.exec(line);
    if (m && !sh(['ip', '-o', 'link', 'show', 'master', m[1]!], 'bridge ports', true).trim()) {
      sh(['ip', 'link', 'del', m[1]!], `deleting ${m[1]}`, true);
      removed.push(m[1]!);
    }
  }
  return removed;
}
