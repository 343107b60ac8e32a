/**
 * Headless Chromium for browser tests: Debian's chromium through playwright-core (no browser
 * download). A missing chromium fails the test with what to install; it never skips.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
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

/** The distinct Han characters of a text, in order of first use. */
export function hanCharacters(text: string): string[] {
  return [...new Set([...text].filter((c) => /\p{Script=Han}/u.test(c)))];
}

/**
 * The characters of `chars` the page cannot draw: each is drawn in the body's font next to an
 * unassigned code point (U+10FFFD, which every font lacks, so it is the missing-glyph box); a
 * character drawn exactly like the box has no glyph. Plant an unassigned character in `chars` to
 * show the check can fail.
 */
export async function missingGlyphs(page: Page, chars: string[]): Promise<string[]> {
  return page.evaluate((list) => {
    const canvas = document.createElement('canvas');
    canvas.width = 40;
    canvas.height = 40;
    const g = canvas.getContext('2d')!;
    g.font = `32px ${getComputedStyle(document.body).fontFamily}`;
    const draw = (c: string) => {
      g.clearRect(0, 0, 40, 40);
      g.fillText(c, 2, 32);
      return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
    };
    const box = draw('\u{10FFFD}');
    return list.filter((c) => draw(c) === box);
  }, chars);
}
