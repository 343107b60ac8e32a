/**
 * @module kafka/cluster-record
 * The record a local multi-broker cluster keeps in its folder (`<dir>/cluster.json`): the cluster
 * id and, per broker, its node id, host, ports and (when it runs in a Linux network namespace) the
 * namespace. Apart from kafka/cluster.ts so that `resolveBrokers` (kafka/provision.ts) can find a
 * running cluster without importing the module that starts one.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CLUSTER_RECORD_FILE = 'cluster.json';

export interface ClusterBrokerSpec {
  /** KRaft `node.id`, 1-based; also the broker's folder `broker-<id>`. */
  id: number;
  host: string;
  port: number;
  controllerPort: number;
  /** The network namespace the broker runs in (`ip netns exec`), or absent for the host's own. */
  netns?: string;
}

export interface ClusterRecord {
  clusterId: string;
  kafkaVersion: string;
  brokers: ClusterBrokerSpec[];
}

export function clusterRecordPath(dir: string): string {
  return join(resolve(dir), CLUSTER_RECORD_FILE);
}

/** The folder's cluster record, or undefined when the folder holds no multi-broker cluster. */
export function readClusterRecord(dir: string): ClusterRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(clusterRecordPath(dir), 'utf8')) as ClusterRecord;
    return typeof r.clusterId === 'string' && Array.isArray(r.brokers) && r.brokers.length > 0 ? r : undefined;
  } catch {
    return undefined;
  }
}

/** `host:port` of every broker, in id order: the bootstrap list clients use. */
export function clusterBootstrap(record: ClusterRecord): string[] {
  return record.brokers.map((b) => `${b.host}:${b.port}`);
}

/** A broker's folder inside the cluster folder. */
export function clusterBrokerDir(dir: string, id: number): string {
  return join(resolve(dir), `broker-${id}`);
}
