/**
 * A witness nobody here wrote, for the interoperability tests (issue 23): litewitness and
 * witnessctl from filippo.io/torchwood, built by `go install` from the Go module proxy into
 * `<project>/.cache/go/bin` (once; the way Kafka comes from Maven), with its Ed25519 key served by
 * an ssh-agent of its own as litewitness requires. A missing `go` or OpenSSH fails the test with
 * what to install; it never skips.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from '../../stack/prerequisites.js';

export const TORCHWOOD_VERSION = 'v0.6.1';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function need(program: string, hint: string): string {
  const path = findExecutable(program);
  if (path === undefined) throw new Error(`${program} is needed by the witness interoperability test: ${hint}`);
  return path;
}

/** Builds (once) and returns the paths of litewitness and witnessctl. */
export function buildLitewitness(): { litewitness: string; witnessctl: string } {
  const bin = join(ROOT, '.cache', 'go', 'bin');
  const tools = { litewitness: join(bin, 'litewitness'), witnessctl: join(bin, 'witnessctl') };
  if (existsSync(tools.litewitness) && existsSync(tools.witnessctl)) return tools;
  const go = need('go', 'install Go 1.23 or later (Debian: apt-get install golang-go)');
  mkdirSync(bin, { recursive: true });
  for (const cmd of ['litewitness', 'witnessctl']) {
    execFileSync(go, ['install', `filippo.io/torchwood/cmd/${cmd}@${TORCHWOOD_VERSION}`], { env: { ...process.env, GOBIN: bin, CGO_ENABLED: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return tools;
}

export interface RunningLitewitness {
  url: string;
  /** the witness public key (raw Ed25519, 32 bytes) */
  publicKey: Uint8Array;
  stop(): Promise<void>;
}

/** Polls `cond` until true (tests wait for conditions, never fixed times). */
async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Makes (once) the Ed25519 key litewitness in `dir` will use and returns its public key: a genesis
 * that names the witness needs the key before the witness can be told the log's origin.
 */
export function litewitnessKey(dir: string): Uint8Array {
  const keygen = need('ssh-keygen', 'install OpenSSH (Debian: apt-get install openssh-client)');
  const keyFile = join(dir, 'witness-key');
  if (!existsSync(keyFile)) execFileSync(keygen, ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  // An OpenSSH ed25519 public key blob ends in the raw 32-byte key.
  const blob = Buffer.from(readFileSync(`${keyFile}.pub`, 'utf8').split(' ')[1]!, 'base64');
  return new Uint8Array(blob.subarray(blob.length - 32));
}

/** Starts litewitness in `dir` trusting `logs` (origin -> vkeys), listening on `port`. */
export async function startLitewitness(dir: string, name: string, port: number, logs: Map<string, string[]>): Promise<RunningLitewitness> {
  const tools = buildLitewitness();
  const keygen = need('ssh-keygen', 'install OpenSSH (Debian: apt-get install openssh-client)');
  const agentBin = need('ssh-agent', 'install OpenSSH (Debian: apt-get install openssh-client)');
  const sshAdd = need('ssh-add', 'install OpenSSH (Debian: apt-get install openssh-client)');
  const keyFile = join(dir, 'witness-key');
  litewitnessKey(dir);
  const sock = join(dir, 'agent.sock');
  const agent = spawn(agentBin, ['-D', '-a', sock], { stdio: 'ignore' });
  await waitFor(() => existsSync(sock), 'ssh-agent socket');
  execFileSync(sshAdd, [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  const fingerprint = execFileSync(keygen, ['-l', '-E', 'sha256', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const publicKey = litewitnessKey(dir);
  const db = join(dir, 'litewitness.db');
  for (const [origin, vkeys] of logs) {
    execFileSync(tools.witnessctl, ['add-log', '-db', db, '-origin', origin], { stdio: 'ignore' });
    for (const k of vkeys) execFileSync(tools.witnessctl, ['add-key', '-db', db, '-origin', origin, '-key', k], { stdio: 'ignore' });
  }
  let stderr = '';
  const witness = spawn(tools.litewitness, ['-name', name, '-key', fingerprint, '-ssh-agent', sock, '-db', db, '-listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  witness.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (witness.exitCode !== null) throw new Error(`litewitness exited: ${stderr.slice(-500)}`);
    return fetch(`${url}/`).then(() => true, () => false);
  }, 'litewitness to listen');
  return { url, publicKey, stop: async () => { await killed(witness); await killed(agent); } };
}
