/**
 * @module stack/kafka-users
 * The Kafka principals of a local stack whose broker runs with SASL/SCRAM and ACLs (issue 22,
 * kafka/sasl-broker.ts, kafka/acls.ts): one per node, `ledger-node-<i>` (consumes its channel in
 * its own consumer groups, posts its markers and the events its API takes), and one per department
 * that produces, named by its department id (writes the channel's topic, nothing else). Nothing
 * else may produce: a client without credentials, or a principal without an ACL, is refused.
 *
 * Credentials are 0600 JSON files in the broker's folder, `<data>/kafka/credentials/<name>.json`
 * (DESIGN.md section 11 layout; the admin's `ledger-admin.json` beside them), made on first use and
 * reused by later runs. ACLs are granted on every run (Kafka keeps one copy of an identical entry),
 * so a run stopped between making a user and granting its ACLs heals on the next.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { AclEntry } from 'kafkajs';
import { LedgerError } from '../errors/ledger-error.js';
import { departmentProducerAcls, grantAcls, nodeAcls } from '../kafka/acls.js';
import { checkUsername, readCredentialsFile, type KafkaCredentials } from '../kafka/credentials.js';
import { kafkaToolRunner } from '../kafka/provision.js';
import { addScramUser, ADMIN_USER, credentialsDir, userCredentialsPath } from '../kafka/sasl-broker.js';

/** Node principals are `ledger-node-<i>`; department ids may not take the `ledger-` prefix. */
export const NODE_PRINCIPAL_PREFIX = 'ledger-node-';

export function nodePrincipal(index: number): string {
  return `${NODE_PRINCIPAL_PREFIX}${index}`;
}

/**
 * The Kafka user name of a department: its id.
 * @throws LedgerError BAD_ARGUMENT for an id Kafka user names cannot hold (`:`) or one of the reserved `ledger-` names
 */
export function departmentPrincipal(departmentId: string): string {
  if (departmentId.startsWith('ledger-')) throw new LedgerError('BAD_ARGUMENT', `department id ${departmentId}: names starting with "ledger-" are the stack's own Kafka principals`, { departmentId });
  return checkUsername(departmentId);
}

export interface StackKafkaAdmin {
  /** The broker's folder (`<data>/kafka`), which holds `credentials/`. */
  brokerDir: string;
  brokers: string[];
  admin: KafkaCredentials;
}

/**
 * The user `username` with `acl`: its credentials file when it exists, else a new SCRAM user (Kafka's
 * ConfigCommand, a JVM of a few seconds); then its ACLs. Returns the credentials and their file.
 */
export async function ensureKafkaUser(k: StackKafkaAdmin, username: string, acl: AclEntry[]): Promise<{ path: string; credentials: KafkaCredentials; createdNow: boolean }> {
  let path = userCredentialsPath(k.brokerDir, username);
  const createdNow = !existsSync(path);
  if (createdNow) path = await addScramUser({ brokerDir: k.brokerDir, brokers: k.brokers, admin: k.admin, username, runTool: await kafkaToolRunner({ dir: k.brokerDir }) });
  await grantAcls(k.brokers, k.admin, acl);
  return { path, credentials: readCredentialsFile(path), createdNow };
}

/** A node's user: `ledger-node-<i>` with kafka/acls.ts nodeAcls. */
export function ensureNodeUser(k: StackKafkaAdmin, channel: string, nodeIndex: number): ReturnType<typeof ensureKafkaUser> {
  const name = nodePrincipal(nodeIndex);
  return ensureKafkaUser(k, name, nodeAcls(name, { channel, nodeIndex }));
}

/** A producing department's user: its id, writing `ledger.<channel>` only. */
export function ensureDepartmentUser(k: StackKafkaAdmin, channel: string, departmentId: string): ReturnType<typeof ensureKafkaUser> {
  const name = departmentPrincipal(departmentId);
  return ensureKafkaUser(k, name, departmentProducerAcls(name, [channel]));
}

/**
 * The principals the stack provisioned (every credentials file but the admin's), sorted: what its
 * nodes are told may write the channel (node configuration `kafkaWriters`, kafka/channel-acls.ts).
 * A department added by hand with `ledger kafka add-user --dir <data>/kafka` is among them.
 */
export function provisionedPrincipals(brokerDir: string): string[] {
  const dir = credentialsDir(brokerDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((name) => name !== ADMIN_USER)
    .sort();
}
