/**
 * Headless Chromium for browser tests: Debian's chromium through playwright-core (no browser
 * download). A missing chromium fails the test with what to install; it never skips.
 */
import { chromium, type Browser } from 'playwright-core';
import { requireProgram } from '../../stack/prerequisites.js';

/** Flags that keep Chromium quiet on a closed network (and working as root). */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

export async function launchChromium(): Promise<Browser> {
  const executablePath = requireProgram('chromium');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(asRoot ? ['--no-sandbox'] : [])],
  });
}
