/**
 * @module kafka/acls
 * The ACLs of a SASL broker (issue 22): a department principal may write only its own channel
 * topic(s); a node principal may read channel topics and use its own consumer groups; nothing else
 * (StandardAuthorizer with allow.everyone.if.no.acl.found=false, kafka/sasl-broker.ts). Granted
 * through kafkajs's CreateAcls as the admin principal.
 */
import kafkajs from 'kafkajs';
import type { AclEntry } from 'kafkajs';
import { LedgerError } from '../errors/ledger-error.js';
import { withAdmin } from './client.js';
import { checkUsername, type KafkaCredentials } from './credentials.js';
import { CHANNEL_TOPIC_PREFIX, channelTopic } from './topics.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** The consumer-group prefix of nodes (consensus/node-process.ts names `ledger-node-<i>-<uuid>`). */
export const NODE_GROUP_PREFIX = 'ledger-node-';

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

/** A consensus node: READ and DESCRIBE on channel topics, READ on the nodes' consumer groups. */
export function nodeConsumerAcls(username: string): AclEntry[] {
  return [
    allow(username, AclResourceTypes.TOPIC, CHANNEL_TOPIC_PREFIX, ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
    allow(username, AclResourceTypes.TOPIC, CHANNEL_TOPIC_PREFIX, ResourcePatternTypes.PREFIXED, AclOperationTypes.DESCRIBE),
    allow(username, AclResourceTypes.GROUP, NODE_GROUP_PREFIX, ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
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
