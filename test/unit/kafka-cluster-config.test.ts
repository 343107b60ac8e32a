/**
 * The pure parts of issue 26: the server.properties of a broker in a local cluster (static KRaft
 * quorum of every broker, internal topics replicated 3 ways), the fault list of `npm run chaos`,
 * and the CLI's refusal of cluster sizes that cannot hold production topics.
 */
import { describe, expect, it } from 'vitest';
import { renderClusterServerProperties } from '../../kafka/cluster.js';
import type { ClusterRecord } from '../../kafka/cluster-record.js';
import { FAULTS, parseFaults } from '../../chaos/campaign.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { runCli } from '../helpers/cli.js';

const record: ClusterRecord = {
  clusterId: 'AAAAAAAAAAAAAAAAAAAAAA',
  kafkaVersion: '3.9.1',
  brokers: [
    { id: 1, host: '10.77.9.13', port: 9092, controllerPort: 9093, netns: 'lg0000-b1' },
    { id: 2, host: '10.77.9.14', port: 9092, controllerPort: 9093, netns: 'lg0000-b2' },
    { id: 3, host: '10.77.9.15', port: 9092, controllerPort: 9093, netns: 'lg0000-b3' },
  ],
};

function props(text: string): Map<string, string> {
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
}

describe('cluster broker configuration', () => {
  it('names every broker as a voter and listens on its own address', () => {
    const p = props(renderClusterServerProperties(record, record.brokers[1]!, '/d/broker-2/logs'));
    expect(p.get('node.id')).toBe('2');
    expect(p.get('process.roles')).toBe('broker,controller');
    expect(p.get('controller.quorum.voters')).toBe('1@10.77.9.13:9093,2@10.77.9.14:9093,3@10.77.9.15:9093');
    expect(p.get('listeners')).toBe('PLAINTEXT://10.77.9.14:9092,CONTROLLER://10.77.9.14:9093');
    expect(p.get('advertised.listeners')).toBe('PLAINTEXT://10.77.9.14:9092');
    expect(p.get('log.dirs')).toBe('/d/broker-2/logs');
  });

  it('replicates the internal topics 3 ways and never elects an unclean leader', () => {
    const p = props(renderClusterServerProperties(record, record.brokers[0]!, '/d/logs'));
    expect(p.get('offsets.topic.replication.factor')).toBe('3');
    expect(p.get('transaction.state.log.replication.factor')).toBe('3');
    expect(p.get('transaction.state.log.min.isr')).toBe('2');
    expect(p.get('default.replication.factor')).toBe('3');
    expect(p.get('unclean.leader.election.enable')).toBe('false');
    expect(p.get('auto.create.topics.enable')).toBe('false');
  });
});

describe('npm run chaos --faults', () => {
  it('accepts all and any list of known faults, in the order given', () => {
    expect(parseFaults('all')).toEqual([...FAULTS]);
    expect(parseFaults('isolate-node, kill-two-brokers')).toEqual(['isolate-node', 'kill-two-brokers']);
  });

  it('names an unknown fault and what is allowed', () => {
    expect(() => parseFaults('kill-node,unplug')).toThrow(/unknown fault "unplug".*kill-node/);
    expect(() => parseFaults(' , ')).toThrow(LedgerError);
  });
});

describe('ledger kafka start --brokers', () => {
  it('refuses 2 (too few for replication 3) and 6 with a usage error', () => {
    for (const n of ['2', '6', 'x']) {
      const r = runCli(['kafka', 'start', '--brokers', n], { ...process.env, KAFKA_BROKERS: '' });
      expect(r.status, `--brokers ${n}`).toBe(2);
      expect(r.stderr).toMatch(/--brokers must be 1 .* or 3\.\.5/);
    }
  });
});
