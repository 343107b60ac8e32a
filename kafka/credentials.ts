/**
 * @module kafka/credentials
 * Kafka SASL/SCRAM credentials at rest (issue 22): one JSON file per principal,
 * `{"mechanism":"scram-sha-256","username":"...","password":"..."}`, mode 0600 (a file readable by
 * group or others is refused, like an SSH key). Every kafkajs client of the ledger
 * (kafka/client.ts `createKafka`) authenticates with the file named by LEDGER_KAFKA_CREDENTIALS
 * when it is set, so nodes, producers and CLI commands need no other wiring. Passwords are never
 * logged: `describeCredentials` is what messages print.
 */
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LedgerError } from '../errors/ledger-error.js';

/** The environment variable naming the credentials file every ledger Kafka client uses. */
export const KAFKA_CREDENTIALS_ENV = 'LEDGER_KAFKA_CREDENTIALS';

/** SCRAM-SHA-256 only (RFC 7677): PLAIN sends the password itself, SCRAM proves knowledge of it. */
export const SCRAM_MECHANISM = 'scram-sha-256';

/** Kafka principal names the project creates: letters, digits, `.`, `_`, `-` (no `=`/`,`, which SCRAM escapes). */
const USERNAME = /^[A-Za-z0-9._-]{1,128}$/;

const credentialsSchema = z
  .object({
    mechanism: z.literal(SCRAM_MECHANISM),
    username: z.string().regex(USERNAME, 'username must be 1..128 of A-Z a-z 0-9 . _ -'),
    password: z.string().min(16, 'password must have at least 16 characters').max(256),
  })
  .strict();

export type KafkaCredentials = z.infer<typeof credentialsSchema>;

/** Checks a principal name the project is about to create. @throws LedgerError BAD_ARGUMENT */
export function checkUsername(username: string): string {
  if (!USERNAME.test(username)) throw new LedgerError('BAD_ARGUMENT', `Kafka user name "${username}" must be 1..128 of A-Z a-z 0-9 . _ -`, { username });
  return username;
}

/** Fresh credentials for `username` with a 256-bit random password (hex: safe in JAAS and SCRAM config text). */
export function newCredentials(username: string): KafkaCredentials {
  return { mechanism: SCRAM_MECHANISM, username: checkUsername(username), password: randomBytes(32).toString('hex') };
}

/**
 * Writes credentials as a 0600 file (through a 0600 temporary file and rename, so no moment exists
 * where the password is readable by others).
 */
export function writeCredentialsFile(path: string, credentials: KafkaCredentials): void {
  credentialsSchema.parse(credentials);
  writeSecretFile(path, `${JSON.stringify(credentials)}\n`);
}

/** Writes text holding a secret as a 0600 file (temporary file, fsync, rename). */
export function writeSecretFile(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600); // the umask cannot widen it, but be explicit
  renameSync(tmp, path);
}

/**
 * Reads and validates a credentials file.
 * @throws LedgerError BAD_ARGUMENT when it is missing, readable by group/others, or malformed
 *   (the message names the file and the fault, never the password)
 */
export function readCredentialsFile(path: string): KafkaCredentials {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new LedgerError('BAD_ARGUMENT', `Kafka credentials file ${path} cannot be read: ${(e as Error).message}`, { path }, { cause: e });
  }
  if ((mode & 0o077) !== 0) {
    throw new LedgerError('BAD_ARGUMENT', `Kafka credentials file ${path} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`, { path });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new LedgerError('BAD_ARGUMENT', `Kafka credentials file ${path} is not JSON`, { path });
  }
  const r = credentialsSchema.safeParse(parsed);
  if (!r.success) {
    const what = r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new LedgerError('BAD_ARGUMENT', `Kafka credentials file ${path} is malformed: ${what}`, { path });
  }
  return r.data;
}

/** The credentials named by LEDGER_KAFKA_CREDENTIALS, or undefined when it is unset or blank. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaCredentials | undefined {
  const path = env[KAFKA_CREDENTIALS_ENV];
  if (path === undefined || path.trim() === '') return undefined;
  return readCredentialsFile(path.trim());
}

/** kafkajs's `sasl` option for these credentials. */
export function kafkajsSasl(credentials: KafkaCredentials): { mechanism: 'scram-sha-256'; username: string; password: string } {
  return { mechanism: credentials.mechanism, username: credentials.username, password: credentials.password };
}

/** What messages may say about credentials: the user and mechanism, never the password. */
export function describeCredentials(credentials: KafkaCredentials | undefined): string {
  return credentials ? `SASL ${credentials.mechanism.toUpperCase()} as User:${credentials.username}` : 'no SASL credentials';
}
