/**
 * @module kafka/channel-acls
 * Who may write a channel's topic (issue 22), checked by a node at start beside the topic
 * invariants of DESIGN.md section 8 (kafka/topics.ts): on a broker with credentials, every
 * principal an ACL lets write `ledger.<channel>` must be one the node knows (its configuration's
 * `kafkaWriters`: the departments and nodes the operator provisioned). A wildcard principal
 * (`User:*`, every authenticated user), `User:ANONYMOUS` (a client without credentials), a broker
 * without an authorizer, or a topic no ACL lets anyone write (with
 * `allow.everyone.if.no.acl.found=true` that means everyone) are refused with TOPIC_MISCONFIGURED
 * naming each. Super users (`super.users`) are outside ACLs and not visible to a client.
 */
import kafkajs from 'kafkajs';
import type { Admin, Acl } from 'kafkajs';
import { LedgerError } from '../errors/ledger-error.js';
import { withAdmin } from './client.js';
import type { KafkaCredentials } from './credentials.js';
import { channelTopic } from './topics.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** What the broker's ACLs say about writing a topic. */
export interface ChannelWriters {
  topic: string;
  /** Principals (`User:<name>`, or `User:*`) an ALLOW entry lets write, minus those a DENY for every host stops. */
  writers: string[];
  violations: string[];
}

const WRITE_OPS = new Set<number>([AclOperationTypes.WRITE, AclOperationTypes.ALL]);

/**
 * The principals the ACLs applying to `topic` (literal, prefixed and wildcard resources) let
 * write, and the violations against `known` (user names without `User:`).
 */
export function writerViolations(topic: string, acls: Acl[], known: readonly string[]): ChannelWriters {
  const writes = acls.filter((a) => WRITE_OPS.has(a.operation));
  const deniedEverywhere = new Set(writes.filter((a) => a.permissionType === AclPermissionTypes.DENY && a.host === '*').map((a) => a.principal));
  const writers = [...new Set(writes.filter((a) => a.permissionType === AclPermissionTypes.ALLOW).map((a) => a.principal))]
    .filter((p) => !deniedEverywhere.has(p) && !deniedEverywhere.has('User:*'))
    .sort();
  const knownPrincipals = new Set(known.map((u) => `User:${u}`));
  const violations: string[] = [];
  if (writers.length === 0) {
    violations.push(`no ACL lets anyone write ${topic}: with allow.everyone.if.no.acl.found=true every client may, and without it the nodes cannot post their markers`);
  }
  for (const w of writers) {
    if (w === 'User:*') violations.push(`an ACL lets every authenticated principal (User:*) write ${topic}`);
    else if (w === 'User:ANONYMOUS') violations.push(`an ACL lets clients without credentials (User:ANONYMOUS) write ${topic}`);
    else if (!knownPrincipals.has(w)) violations.push(`an ACL lets ${w} write ${topic}, a principal this node does not know (not in its kafkaWriters)`);
  }
  return { topic, writers, violations };
}

/** The ACL entries (ALLOW and DENY, any operation) that apply to `topic`, from DescribeAcls with a MATCH filter. */
export async function topicAcls(admin: Admin, topic: string): Promise<Acl[]> {
  let resources;
  try {
    ({ resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.MATCH,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    }));
  } catch (e) {
    const type = (e as { type?: string }).type;
    if (type === 'SECURITY_DISABLED') {
      throw new LedgerError('TOPIC_MISCONFIGURED', `the broker has no authorizer: anyone who reaches it may write ${topic} (issue 22: run it with SASL and ACLs)`, { topic, violations: ['no authorizer'] });
    }
    if (type === 'CLUSTER_AUTHORIZATION_FAILED') {
      throw new LedgerError('TOPIC_MISCONFIGURED', `this node's Kafka principal may not describe ACLs (it needs DESCRIBE on the cluster, kafka/acls.ts nodeAcls), so it cannot check who writes ${topic}`, { topic, violations: ['cannot describe ACLs'] });
    }
    throw new LedgerError('UNAVAILABLE', `describing the ACLs of ${topic} failed: ${(e as Error).message}`, { topic }, { cause: e });
  }
  return resources.flatMap((r) => r.acls);
}

/**
 * The check a node with Kafka credentials makes at start: only principals it knows may write the
 * channel's topic.
 * @throws LedgerError TOPIC_MISCONFIGURED listing each violation; UNAVAILABLE; BAD_ARGUMENT (channel name)
 */
export async function checkChannelWriters(brokers: string[], channel: string, known: readonly string[], credentials?: KafkaCredentials | null): Promise<ChannelWriters> {
  const topic = channelTopic(channel);
  const acls = await withAdmin(brokers, (admin) => topicAcls(admin, topic), credentials === undefined ? {} : { credentials });
  const check = writerViolations(topic, acls, known);
  if (check.violations.length > 0) {
    throw new LedgerError('TOPIC_MISCONFIGURED', `the ACLs of ${topic} let unknown principals write (issue 22): ${check.violations.join('; ')}`, { topic, writers: check.writers, violations: check.violations });
  }
  return check;
}
