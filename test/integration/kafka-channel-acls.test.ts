/**
 * A node refuses a channel whose ACLs let an unknown principal write (issue 22, kafka/channel-acls.ts),
 * on real brokers the test provisions: on a SASL broker a channel written only by the principals a
 * node knows passes; an ACL for a principal it does not know, or for every principal (`User:*`, a
 * prefixed resource), is refused with TOPIC_MISCONFIGURED naming it, and `ledger node` exits on it
 * before opening anything; on the development broker without an authorizer the check says anyone
 * may write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { AclEntry } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdmin } from '../../kafka/client.js';
import { checkChannelWriters } from '../../kafka/channel-acls.js';
import { KAFKA_CREDENTIALS_ENV, readCredentialsFile, type KafkaCredentials } from '../../kafka/credentials.js';
import { departmentProducerAcls, grantAcls, nodeAcls } from '../../kafka/acls.js';
import { addScramUser } from '../../kafka/sasl-broker.js';
import { kafkaToolRunner, startBroker, stopBroker, type BrokerInfo } from '../../kafka/provision.js';
import { createChannelTopic } from '../../kafka/topics.js';
import { ensureStack } from '../../stack/layout.js';
import { isLedgerError } from '../../errors/ledger-error.js';
import { EXIT } from '../../cli/exit-codes.js';
import { scratchDir, testBrokers, uniqueChannel } from '../helpers/kafka.js';
import { runCliAsync } from '../helpers/cli.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

let dir: string;
let broker: BrokerInfo;
let admin: KafkaCredentials;
let node: KafkaCredentials;
let nodeFile: string;
const channel = uniqueChannel('acl');
const KNOWN = ['dept-a', 'node-1'];

function writeAcl(principal: string, resourceName: string, pattern: number): AclEntry {
  return { principal, host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW, resourceType: AclResourceTypes.TOPIC, resourceName, resourcePatternType: pattern } as AclEntry;
}

async function revoke(acl: AclEntry[]): Promise<void> {
  await withAdmin(broker.brokers, (a) => a.deleteAcls({ filters: acl }), { credentials: admin });
}

/** The error the node's check gives (undefined when the channel passes). */
async function refusal(): Promise<{ code: string; message: string } | undefined> {
  try {
    await checkChannelWriters(broker.brokers, channel, KNOWN, node);
    return undefined;
  } catch (e) {
    if (!isLedgerError(e)) throw e;
    return { code: e.code, message: e.message };
  }
}

beforeAll(async () => {
  dir = scratchDir('channel-acls');
  broker = await startBroker({ dir, sasl: true });
  admin = readCredentialsFile(broker.adminCredentials!);
  const runTool = await kafkaToolRunner({ dir });
  await addScramUser({ brokerDir: dir, brokers: broker.brokers, admin, username: 'dept-a', runTool });
  nodeFile = await addScramUser({ brokerDir: dir, brokers: broker.brokers, admin, username: 'node-1', runTool });
  node = readCredentialsFile(nodeFile);
  await createChannelTopic(broker.brokers, channel, { mode: 'development', credentials: admin });
  await grantAcls(broker.brokers, admin, [...departmentProducerAcls('dept-a', [channel]), ...nodeAcls('node-1', { channel, nodeIndex: 1 })]);
}, 240_000);

afterAll(async () => {
  if (dir) await stopBroker({ dir });
}, 60_000);

describe('a node refuses a channel that an unknown principal may write (issue 22)', () => {
  it('passes a channel written only by the principals it knows', async () => {
    // a new user's credentials and ACLs take a moment to apply
    let result = await refusal().catch((e: Error) => ({ code: 'THROWN', message: e.message }));
    for (let i = 0; i < 120 && result !== undefined && /UNAVAILABLE|THROWN|may not describe/.test(`${result.code} ${result.message}`); i++) {
      await new Promise((r) => setTimeout(r, 250));
      result = await refusal().catch((e: Error) => ({ code: 'THROWN', message: e.message }));
    }
    expect(result).toBeUndefined();
    const check = await checkChannelWriters(broker.brokers, channel, KNOWN, node);
    expect(check.writers).toEqual(['User:dept-a', 'User:node-1']);
  }, 60_000);

  it('refuses an ACL that lets a principal it does not know write, and `ledger node` exits on it', async () => {
    const intruder = [writeAcl('User:dept-x', `ledger.${channel}`, ResourcePatternTypes.LITERAL)];
    await grantAcls(broker.brokers, admin, intruder);
    try {
      const r = await refusal();
      expect(r?.code).toBe('TOPIC_MISCONFIGURED');
      expect(r?.message).toContain('User:dept-x');
      expect(r?.message).not.toContain('User:dept-a ');

      // the node process: a stack of one node on this channel, told who writes, with node-1's credentials
      const data = join(dir, 'stack');
      const { layout } = await ensureStack(data, { channel, nodes: 1, quorum: 1, authorityId: 'authority.test', authorityName: 'test' });
      const config = layout.nodeConfig(1);
      writeFileSync(config, JSON.stringify({ ...(JSON.parse(readFileSync(config, 'utf8')) as object), brokers: broker.brokers, kafkaWriters: KNOWN }));
      const env: NodeJS.ProcessEnv = { ...process.env, [KAFKA_CREDENTIALS_ENV]: nodeFile };
      delete env.KAFKA_BROKERS;
      const ran = await runCliAsync(['node', '--config', config], env, 90_000);
      expect(ran.status, ran.stderr).toBe(EXIT.FAILED_CHECK);
      expect(ran.stderr).toContain('TOPIC_MISCONFIGURED');
      expect(ran.stderr).toContain('User:dept-x');
    } finally {
      await revoke(intruder);
    }
    expect(await refusal()).toBeUndefined();
  }, 120_000);

  it('refuses an ACL that lets every authenticated principal write, also through a prefixed resource', async () => {
    const everyone = [writeAcl('User:*', 'ledger.', ResourcePatternTypes.PREFIXED)];
    await grantAcls(broker.brokers, admin, everyone);
    try {
      const r = await refusal();
      expect(r?.code).toBe('TOPIC_MISCONFIGURED');
      expect(r?.message).toContain('every authenticated principal (User:*)');
    } finally {
      await revoke(everyone);
    }
  }, 60_000);

  it('refuses a channel on a broker without an authorizer (the development broker): anyone may write', async () => {
    const plain = uniqueChannel('acl-plain');
    await createChannelTopic(testBrokers(), plain, { mode: 'development', credentials: null });
    const e = await checkChannelWriters(testBrokers(), plain, KNOWN, null).catch((x: unknown) => x);
    expect(isLedgerError(e) && e.code).toBe('TOPIC_MISCONFIGURED');
    expect((e as Error).message).toContain('no authorizer');
  }, 60_000);
});
