/**
 * The errors of `ledger kafka start` say what to do (issue 4): no java, a taken port, Maven
 * unable to resolve, a broker not ready in time (with the log's last lines). None leaves a
 * process behind.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerProcessesIn, resolveKafka, startBroker } from '../../kafka/provision.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/kafka.js';

const folders: string[] = [];
function tempFolder(name: string): string {
  const d = scratchDir(name);
  folders.push(d);
  return d;
}

afterAll(() => {
  for (const d of folders) {
    expect(brokerProcessesIn(d), d).toEqual([]);
    rmSync(d, { recursive: true, force: true });
  }
});

function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const n of names) delete env[n];
  return env;
}

async function rejection(p: Promise<unknown>): Promise<LedgerError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof LedgerError)) throw new Error(`expected a LedgerError, got ${e === undefined ? 'success' : String(e)}`);
  return e;
}

describe('ledger kafka start: errors that say what to do', () => {
  it('without java on PATH: exit 7 and the apt-get line', () => {
    const dir = tempFolder('nojava');
    // an empty folder as PATH: no java (the CLI itself runs from process.execPath)
    const r = runCli(['kafka', 'start', '--dir', dir], { ...envWithout('KAFKA_BROKERS'), PATH: tempFolder('empty-path') });
    expect(r.status, r.stderr).toBe(7);
    expect(r.stderr).toContain('error [MISSING_PREREQUISITE]: java was not found on PATH: install Java 17: apt-get install -y openjdk-17-jre-headless');
  });

  it('a taken port: exit 1, the port, and the option to change it', async () => {
    const dir = tempFolder('taken');
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = runCli(['kafka', 'start', '--dir', dir, '--port', String(port)], envWithout('KAFKA_BROKERS'));
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`error [CONFLICT]: the broker port ${port} on 127.0.0.1 is already taken by another program: choose another with --port`);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('Maven cannot resolve (offline, empty local repository): UNAVAILABLE naming Maven Central and the cache', async () => {
    const cacheDir = tempFolder('cache');
    const emptyRepo = join(tempFolder('m2'), 'repository');
    mkdirSync(emptyRepo);
    const e = await rejection(resolveKafka({ cacheDir, mavenArgs: ['-o', `-Dmaven.repo.local=${emptyRepo}`] }));
    expect(e.code, e.message).toBe('UNAVAILABLE');
    expect(e.message).toContain('Maven could not resolve Kafka from kafka/pom.xml');
    expect(e.message).toContain('Maven Central');
    expect(e.message).toContain(cacheDir);
  });

  it('not ready in time: TIMEOUT with the last lines of the broker log, and the broker stopped', async () => {
    const dir = tempFolder('slow');
    const e = await rejection(startBroker({ dir, readyTimeoutMs: 300 }));
    expect(e.code, e.message).toBe('TIMEOUT');
    expect(e.message).toContain('did not answer a metadata request within 0.3 s; it was stopped');
    const header = `Last lines of ${join(dir, 'broker.log')}:\n`;
    expect(e.message).toContain(header);
    // up to 20 quoted lines, each one a line of the broker's log4j file (the JVM's own output, if
    // any, follows after a '--- java.out' line)
    const quoted = e.message.slice(e.message.indexOf(header) + header.length).split('\n--- ')[0]!.split('\n').filter((l) => l !== '');
    const logLines = new Set(readFileSync(join(dir, 'broker.log'), 'utf8').split('\n').map((l) => l.trimEnd()));
    expect(quoted.length).toBeGreaterThan(0);
    expect(quoted.length).toBeLessThanOrEqual(20);
    for (const line of quoted) expect(logLines.has(line), line).toBe(true);
    expect(brokerProcessesIn(dir)).toEqual([]);
  });
});
