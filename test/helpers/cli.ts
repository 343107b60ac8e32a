/** Runs the built CLI (dist/cli/main.js), as a user would. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runNodeScript(script: string, args: string[], timeoutMs = 300_000): CliResult {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`../../${script}`, import.meta.url)), ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runCli without blocking this process's event loop. Tests that talk HTTP to servers use it: while
 * spawnSync blocks, a server closes this process's idle keep-alive sockets and the close is not
 * seen, so the next fetch reuses a dead socket ("other side closed", issue 17).
 */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
