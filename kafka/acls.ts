/**
 * @module kafka/acls
 * The ACLs of a SASL broker (issue 22): a department principal may write only its own channel
 * topic(s); a node principal reads its channel's topic and its own consumer groups, and writes that
 * one topic only for what a node must post there (time-to-cut markers, DESIGN.md section 8, and the
 * signed events its API takes); nothing else (StandardAuthorizer with
 * allow.everyone.if.no.acl.found=false, kafka/sasl-broker.ts). Granted through kafkajs's CreateAcls
 * as the admin principal.
 */
import kafkajs from 'kafkajs';
import type { AclEntry } from 'kafkajs';
import { LedgerError } from '../errors/ledger-error.js';
import { withAdmin } from './client.js';
import { checkUsername, type KafkaCredentials } from './credentials.js';
import { channelTopic } from './topics.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** The consumer-group prefix of nodes (consensus/node-process.ts names `ledger-node-<i>-<uuid>`). */
export const NODE_GROUP_PREFIX = 'ledger-node-';

/** Node `index`'s own consumer groups: `ledger-node-<i>-` (the dash: node 1's never covers node 10's). */
export function nodeGroupPrefix(index: number): string {
  if (!Number.isInteger(index) || index < 1 || index > 1000) throw new LedgerError('BAD_ARGUMENT', `a node index is 1..1000, got ${index}`, { index });
  return `${NODE_GROUP_PREFIX}${index}-`;
}

function allow(username: string, resourceType: number, resourceName: string, pattern: number, operation: number): AclEntry {
  return {
    principal: `User:${checkUsername(username)}`,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
    resourceType,
    resourceName,
    resourcePatternType: pattern,
  } as AclEntry;
}

/**
 * A department producing to its channels: WRITE and DESCRIBE on each `ledger.<channel>` (literal,
 * never prefixed: `ledger.a` must not cover `ledger.ab`). Since Kafka 3.0, WRITE on a topic also
 * permits the idempotent producer (KIP-679), so no cluster-wide right is granted.
 */
export function departmentProducerAcls(username: string, channels: string[]): AclEntry[] {
  if (channels.length === 0) throw new LedgerError('BAD_ARGUMENT', `department principal ${username} needs at least one channel`, { username });
  return channels.flatMap((c) => {
    const topic = channelTopic(c);
    return [
      allow(username, AclResourceTypes.TOPIC, topic, ResourcePatternTypes.LITERAL, AclOperationTypes.WRITE),
      allow(username, AclResourceTypes.TOPIC, topic, ResourcePatternTypes.LITERAL, AclOperationTypes.DESCRIBE),
    ];
  });
}

/**
 * Consensus node `nodeIndex` of `channel`: READ, DESCRIBE and DESCRIBE_CONFIGS on its channel's
 * topic (consuming, and the topic invariants it checks at start), WRITE on that topic (its
 * time-to-cut markers and heartbeats, DESIGN.md section 8, and the signed events its API takes,
 * POST /v1/events), READ on its own consumer groups `ledger-node-<i>-`, and DESCRIBE on the cluster
 * (DescribeAcls: a node refuses a channel whose ACLs let an unknown principal write,
 * kafka/channel-acls.ts).
 */
export function nodeAcls(username: string, p: { channel: string; nodeIndex: number }): AclEntry[] {
  const topic = channelTopic(p.channel);
  return [
    ...[AclOperationTypes.READ, AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE, AclOperationTypes.DESCRIBE_CONFIGS].map((op) =>
      allow(username, AclResourceTypes.TOPIC, topic, ResourcePatternTypes.LITERAL, op),
    ),
    allow(username, AclResourceTypes.GROUP, nodeGroupPrefix(p.nodeIndex), ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
    allow(username, AclResourceTypes.CLUSTER, 'kafka-cluster', ResourcePatternTypes.LITERAL, AclOperationTypes.DESCRIBE),
  ];
}

/** Creates ACL entries as the admin principal. @throws LedgerError UNAVAILABLE when the broker refuses */
export async function grantAcls(brokers: string[], admin: KafkaCredentials, acl: AclEntry[]): Promise<void> {
  await withAdmin(brokers, async (client) => {
    try {
      await client.createAcls({ acl });
    } catch (e) {
      throw new LedgerError('UNAVAILABLE', `creating Kafka ACLs failed: ${(e as Error).message}`, { brokers }, { cause: e });
    }
  }, { credentials: admin });
}
