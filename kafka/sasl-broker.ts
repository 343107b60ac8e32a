/**
 * @module kafka/sasl-broker
 * The provisioned broker with credentials (issue 22, DESIGN.md section 11 plus SASL): clients reach
 * one SASL_PLAINTEXT listener on 127.0.0.1 and authenticate with SCRAM-SHA-256 (RFC 7677); the
 * KRaft controller listener uses SASL PLAIN with the admin's password (KRaft cannot use SCRAM there:
 * SCRAM credentials live in the metadata log the controller serves); StandardAuthorizer refuses
 * everything no ACL allows (kafka/acls.ts grants them). The admin principal `ledger-admin` is the
 * only super user. SCRAM users are added with Kafka's own ConfigCommand, authenticated by a 0600
 * client properties file that exists only while it runs.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { LedgerError } from '../errors/ledger-error.js';
import { checkUsername, newCredentials, writeCredentialsFile, writeSecretFile, type KafkaCredentials } from './credentials.js';

/** The super user every SASL broker of the project has (created at format time). */
export const ADMIN_USER = 'ledger-admin';

/** `<dir>/credentials`: one 0600 JSON file per principal the project created. */
export function credentialsDir(brokerDir: string): string {
  return join(brokerDir, 'credentials');
}

export function adminCredentialsPath(brokerDir: string): string {
  return join(credentialsDir(brokerDir), `${ADMIN_USER}.json`);
}

export function userCredentialsPath(brokerDir: string, username: string): string {
  return join(credentialsDir(brokerDir), `${checkUsername(username)}.json`);
}

/** JAAS text for a login module; passwords are hex (kafka/credentials.ts), so no quoting is needed. */
function jaas(module: string, options: Record<string, string>): string {
  return `${module} required ${Object.entries(options).map(([k, v]) => `${k}="${v}"`).join(' ')};`;
}

/**
 * Rewrites the development broker's properties (kafka/provision.ts `renderServerProperties`) for
 * SASL: the listener lines are replaced, SASL and the authorizer appended.
 */
export function saslServerProperties(lines: string[], p: { host: string; port: number; controllerPort: number; admin: KafkaCredentials }): string[] {
  const replaced = /^(listeners|advertised\.listeners|listener\.security\.protocol\.map|inter\.broker\.listener\.name)=/;
  const kept = lines.filter((l) => !replaced.test(l) && l !== '');
  const { username, password } = p.admin;
  return [
    ...kept,
    '# issue 22: SASL/SCRAM on the client listener, ACLs by StandardAuthorizer (kafka/sasl-broker.ts)',
    `listeners=CLIENT://${p.host}:${p.port},CONTROLLER://${p.host}:${p.controllerPort}`,
    `advertised.listeners=CLIENT://${p.host}:${p.port}`,
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT',
    'inter.broker.listener.name=CLIENT',
    'sasl.enabled.mechanisms=SCRAM-SHA-256',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256',
    `listener.name.client.scram-sha-256.sasl.jaas.config=${jaas('org.apache.kafka.common.security.scram.ScramLoginModule', { username, password })}`,
    'sasl.mechanism.controller.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${jaas('org.apache.kafka.common.security.plain.PlainLoginModule', { username, password, [`user_${username}`]: password })}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${username}`,
    'allow.everyone.if.no.acl.found=false',
    '',
  ];
}

/** What runs a Kafka tool class (kafka/provision.ts supplies java, jars and logging). */
export type KafkaToolRunner = (mainClass: string, args: string[]) => Promise<{ status: number | null; output: string }>;

/**
 * Creates (or re-keys) SCRAM-SHA-256 user `username` on a SASL broker and writes its credentials
 * as `<dir>/credentials/<username>.json` (0600). Returns that path.
 * @throws LedgerError UNAVAILABLE when Kafka's ConfigCommand fails (its output quoted, which never
 *   holds the password: ConfigCommand does not echo config values)
 */
export async function addScramUser(p: { brokerDir: string; brokers: string[]; admin: KafkaCredentials; username: string; runTool: KafkaToolRunner }): Promise<string> {
  const user = newCredentials(checkUsername(p.username));
  // one file per call: the stack provisions several users at once (stack/kafka-users.ts)
  const commandConfig = join(credentialsDir(p.brokerDir), `.admin-client-${process.pid}-${randomBytes(4).toString('hex')}.properties`);
  writeSecretFile(commandConfig, [
    'security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=SCRAM-SHA-256',
    `sasl.jaas.config=${jaas('org.apache.kafka.common.security.scram.ScramLoginModule', { username: p.admin.username, password: p.admin.password })}`,
    '',
  ].join('\n'));
  try {
    const r = await p.runTool('kafka.admin.ConfigCommand', [
      '--bootstrap-server', p.brokers.join(','), '--command-config', commandConfig,
      '--alter', '--entity-type', 'users', '--entity-name', user.username,
      '--add-config', `SCRAM-SHA-256=[iterations=8192,password=${user.password}]`,
    ]);
    if (r.status !== 0) {
      throw new LedgerError('UNAVAILABLE', `creating Kafka user ${user.username} failed (ConfigCommand exit ${r.status}):\n${r.output.split('\n').slice(-10).join('\n')}`, { username: user.username });
    }
  } finally {
    rmSync(commandConfig, { force: true });
  }
  const path = userCredentialsPath(p.brokerDir, user.username);
  writeCredentialsFile(path, user);
  return path;
}
