/**
 * Kafka credentials at rest (issue 22, kafka/credentials.ts): 0600 files, refused when readable by
 * others or malformed, with messages that name the fault and never the password.
 */
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsFromEnv, describeCredentials, KAFKA_CREDENTIALS_ENV, newCredentials, readCredentialsFile, writeCredentialsFile } from '../../kafka/credentials.js';
import { LedgerError } from '../../errors/ledger-error.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-credentials-'));

function refusal(f: () => unknown): LedgerError {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e;
    throw e;
  }
  throw new Error('expected a LedgerError');
}

describe('Kafka credentials files', () => {
  it('writes 0600 files that read back, and names the user but never the password', () => {
    const creds = newCredentials('dept-a');
    expect(creds.password).toMatch(/^[0-9a-f]{64}$/);
    const path = join(dir, 'dept-a.json');
    writeCredentialsFile(path, creds);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readCredentialsFile(path)).toEqual(creds);
    expect(credentialsFromEnv({ [KAFKA_CREDENTIALS_ENV]: path })).toEqual(creds);
    expect(credentialsFromEnv({})).toBeUndefined();
    expect(describeCredentials(creds)).toBe('SASL SCRAM-SHA-256 as User:dept-a');
    expect(describeCredentials(creds)).not.toContain(creds.password);
  });

  it('refuses a file readable by group or others, saying chmod 600', () => {
    const path = join(dir, 'open.json');
    writeCredentialsFile(path, newCredentials('open'));
    chmodSync(path, 0o644);
    const e = refusal(() => readCredentialsFile(path));
    expect(e.code).toBe('BAD_ARGUMENT');
    expect(e.message).toContain('chmod 600');
  });

  it('refuses malformed files naming the field, and a missing file naming the path', () => {
    const bad = join(dir, 'bad.json');
    const password = 'x'.repeat(20);
    writeFileSync(bad, JSON.stringify({ mechanism: 'plain', username: 'a b', password }), { mode: 0o600 });
    const e = refusal(() => readCredentialsFile(bad));
    expect(e.message).toMatch(/mechanism/);
    expect(e.message).toMatch(/username/);
    expect(e.message).not.toContain(password);
    const notJson = join(dir, 'notjson.json');
    writeFileSync(notJson, '{', { mode: 0o600 });
    expect(refusal(() => readCredentialsFile(notJson)).message).toContain('is not JSON');
    expect(refusal(() => readCredentialsFile(join(dir, 'missing.json'))).message).toContain('missing.json');
    expect(refusal(() => newCredentials('a=b')).code).toBe('BAD_ARGUMENT');
  });
});
