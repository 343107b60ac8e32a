import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('ledger CLI skeleton (runs from dist/)', () => {
  it('--version prints the package version', () => {
    const r = runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
  it('--help lists the commands', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: ledger');
    expect(r.stdout).toContain('doctor');
    expect(r.stdout).toContain('bench');
    expect(r.stdout).toContain('kafka');
  });
  it('an unknown command or option is a usage error: exit 2', () => {
    expect(runCli(['no-such-command']).status).toBe(2);
    const r = runCli(['doctor', '--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option');
  });
  it('doctor without java or mvn on PATH exits 7 and says what to install', () => {
    // an empty folder as PATH: no java, mvn or chromium (the CLI runs from process.execPath)
    const env = { ...process.env, PATH: mkdtempSync(join(tmpdir(), 'ledger-empty-path-')), CHROMIUM_PATH: '' };
    const r = runCli(['doctor', '--json'], env);
    expect(r.status).toBe(7);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(out.ok).toBe(false);
    const java = out.checks.find((c) => c.name === 'java')!;
    expect(java.ok).toBe(false);
    expect(java.detail).toContain('apt-get install -y openjdk-17-jre-headless');
    expect(r.stderr).toContain('error [MISSING_PREREQUISITE]');
  });
  it('an empty file says it is empty; a missing --data folder says the folder is missing (issue 17)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-cli-empty-'));
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '');
    const v = runCli(['verify', empty, '--anchor', empty]);
    expect(v.status).toBe(2);
    expect(v.stderr).toContain(`the anchor ${empty} is empty`);
    const missing = join(dir, 'no-such-stack');
    for (const args of [['audit', '--data', missing], ['proof', '--cert', 'X', '--data', missing, '--out', join(dir, 'x.json')]]) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`--data ${missing}: the folder does not exist`);
    }
  });

  it('bench rejects an unknown group with exit 2', () => {
    const r = runCli(['bench', '--only', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown group "nope"');
  });
});
