/**
 * `ledger event` input checks that need no broker (issue 5): every bad argument names itself, bad
 * files and key files are refused with exit 2, and nothing is stored (no outbox is even created)
 * when the input is refused.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIELD_FLAGS } from '../../cli/commands/event.js';
import { writeNewKeyFile } from '../../ledger/key-file.js';
import { ensureStack } from '../../stack/layout.js';
import { PAYLOAD_SCHEMAS, PAYLOAD_TYPES } from '../../producers/payloads.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup() {
  const t = tempDir('event-cli');
  cleanups.push(t.remove);
  const key = join(t.path, 'dept.ed25519key');
  writeNewKeyFile(key);
  const state = join(t.path, 'state');
  // a broker address nobody listens on: every refusal below happens before Kafka is contacted
  const common = ['--channel', 'property', '--department', 'dept.bdc', '--key', key, '--state', state, '--brokers', '127.0.0.1:1', '--timeout', '1s'];
  return { dir: t.path, key, state, common };
}

describe('ledger event: arguments', () => {
  it('has a flag for every payload field, and a command for every payload type', () => {
    for (const type of PAYLOAD_TYPES) for (const field of Object.keys(PAYLOAD_SCHEMAS[type].shape)) expect(FIELD_FLAGS[field], `${type}.${field}`).toBeDefined();
    const r = runCli(['event', '--help']);
    expect(r.status).toBe(0);
    for (const type of [...PAYLOAD_TYPES, 'publish', 'flush', 'outbox', 'load']) expect(r.stdout, type).toContain(`${type} [options]`);
  });

  it('names every bad flag, exit 2, nothing stored', () => {
    const { state, common } = setup();
    const r = runCli(['event', 'grant-share', ...common, '--request', 'bad id', '--valid-from', 'yesterday', '--max-uses', '-1']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('error [BAD_ARGUMENT]: grant-share: --request: only A-Z a-z 0-9 . _ : - are allowed');
    for (const flag of ['--fields: required', '--valid-from: expected an ISO 8601 time', '--valid-until: required', '--max-uses: expected a non-negative integer']) expect(r.stderr, flag).toContain(flag);
    expect(existsSync(state)).toBe(false);
    const attr = runCli(['event', 'issue-certificate', ...common, '--attr', 'novalue']);
    expect(attr.status).toBe(2);
    expect(attr.stderr).toContain("option '--attr <name=value>' argument 'novalue' is invalid. expected name=value");
    const channel = runCli(['event', 'revoke-share', ...common.slice(2), '--channel', 'bad channel!', '--request', 'r']);
    expect(channel.status).toBe(2);
    expect(channel.stderr).toContain("option '--channel <name>' argument 'bad channel!' is invalid");
  });

  it('malformed payload JSON, an unknown payload type, a file with flags: exit 2 naming the file', () => {
    const { dir, state, common } = setup();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"type": "grant-share",');
    let r = runCli(['event', 'publish', '--file', bad, ...common]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error \[BAD_ARGUMENT\]: --file \S+bad\.json is not valid JSON: /);
    writeFileSync(bad, JSON.stringify([{ type: 'revoke-share', requestId: 'r' }, { type: 'forge-certificate' }]));
    r = runCli(['event', 'publish', '--file', bad, ...common]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bad.json [1] unknown payload type "forge-certificate"; the types are register-department,');
    writeFileSync(bad, JSON.stringify({ requestId: 'r', extra: 1 }));
    r = runCli(['event', 'revoke-share', '--file', bad, ...common]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('revoke-share: unknown field(s) extra');
    r = runCli(['event', 'revoke-share', '--file', bad, '--request', 'r', ...common]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('give --file or field flags, not both (--request)');
    r = runCli(['event', 'publish', '--file', join(dir, 'missing.json'), ...common]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [FILE_UNREADABLE]: payload file');
    expect(existsSync(state)).toBe(false);
  });

  it('a key file others can read is refused with how to fix it; the secret is never printed', () => {
    const { key, state, common } = setup();
    chmodSync(key, 0o644);
    const r = runCli(['event', 'revoke-share', '--request', 'r', ...common]);
    expect(r.status).toBe(2);
    const secret = (JSON.parse(readFileSync(key, 'utf8')) as { secretKey: string }).secretKey;
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stderr).toContain(`error [KEY_FILE_PERMISSIONS]: key file ${key} can be read by others (mode 644); fix it with: chmod 600 ${key}`);
    expect(existsSync(state)).toBe(false);
  });

  it("waits for the chain's result by default: without --api (or --no-wait) it refuses before storing anything", () => {
    const { state, common } = setup();
    const r = runCli(['event', 'revoke-share', '--request', 'r', ...common]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error [USAGE]: waiting for the committed result needs a node's API: give --data DIR of the running stack");
    expect(r.stderr).toContain('--api URL');
    expect(r.stderr).toContain('--no-wait');
    expect(existsSync(state)).toBe(false);
  });

  it('--data DIR: a missing folder, a folder that is no stack, a stack none of whose nodes serves are each named; nothing stored (issue 17)', async () => {
    const { dir } = setup();
    const args = (data: string) => ['event', 'revoke-share', '--request', 'r', '--data', data, '--department', 'dept.realestate', '--timeout', '1s'];
    const missing = runCli(args(join(dir, 'nope')));
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringContaining(`error [USAGE]: --data ${join(dir, 'nope')}: the folder does not exist`)]);
    const notStack = runCli(args(dir));
    expect(notStack.status).toBe(2);
    expect(notStack.stderr).toContain("is not a stack's data folder: it has no genesis.bin");
    // a stack made as `ledger up` makes it, with no node running
    const stack = join(dir, 'stack');
    await ensureStack(stack, { channel: 'property', nodes: 3, quorum: 2, authorityId: 'authority.city', authorityName: '市政务服务数据管理局' });
    const down = runCli(args(stack));
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/error \[UNAVAILABLE\]: no node of the stack in .* answers \(http:\/\/127\.0\.0\.1:\d+, /);
    expect(down.stderr).toContain(`start it with \`ledger up --data ${stack}\``);
    expect(existsSync(join(stack, 'departments'))).toBe(false);
    // the authority's key comes from the stack; a department the stack holds no key of needs --key
    const noKey = runCli(['event', 'revoke-share', '--request', 'r', '--data', stack, '--department', 'dept.other', '--no-wait', '--brokers', '127.0.0.1:1', '--timeout', '1s']);
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain(`--key is required: the stack in ${stack} holds no key of dept.other`);
  });

  it('certificates need --salts-out (never overwritten), and amend/transfer the previous --salts', () => {
    const { dir, state, common } = setup();
    const cert = ['--certificate', 'BDC:110105:2026-0001', '--certificate-type', 'BDC', '--holder', '110105194912310021', '--attr', '面积=89.5', '--document-sha256', 'ab'.repeat(32), '--valid-until', '2036-01-01T00:00:00+08:00'];
    let r = runCli(['event', 'issue-certificate', ...common, ...cert]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('issue-certificate: --salts-out is required');
    const existing = join(dir, 'holder.json');
    writeFileSync(existing, '{}');
    r = runCli(['event', 'issue-certificate', ...common, ...cert, '--salts-out', existing]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error [FILE_EXISTS]: --salts-out ${existing} already exists`);
    r = runCli(['event', 'transfer-certificate', ...common, '--certificate', 'BDC:1', '--new-holder', 'x', '--salts-out', join(dir, 'new.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("transfer-certificate: --salts is required: the holder's previous salts file for BDC:1");
    expect(existsSync(state)).toBe(false);
  });
});
