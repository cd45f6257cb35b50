// Debian's headless Chromium, driven by playwright-core, for the layout tests (the progress report,
// the Teams cards at phone width) and `npm run docs:pictures`. .ci/run installs it where missing;
// elsewhere those tests are skipped, saying why.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

// Tests and scripts are not the server: src/config.ts's rule on process.env covers src/, handlers/ and jobs/.
/** Debian's chromium package, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Chromium is installed where carelog looks for it. */
export const chromiumInstalled = existsSync(CHROMIUM);

/** What a test says when it is skipped for want of Chromium. */
export const NO_CHROMIUM = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH): skipped`;

/**
 * Headless Chromium with a fresh temporary profile (Playwright's own), no sandbox (containers)
 * and nothing fetched in the background.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Elements inside `root` (a CSS selector) drawn past its left or right edge, and elements whose
 * text is cut off: wider or taller than their box while it hides the rest (overflow hidden, an
 * ellipsis, a line clamp). Elements not drawn (hidden) are left out. Runs in the page: a string,
 * as the tests' TypeScript has no DOM types.
 */
export function layoutProblems(page: Page, root: string): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const root = document.querySelector(${JSON.stringify(root)});
    if (!root) return ['no ' + ${JSON.stringify(root)} + ' on the page'];
    const edge = root.getBoundingClientRect();
    const out = [];
    const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' "' + (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"';
    if (root.scrollWidth > root.clientWidth) out.push('the card scrolls sideways: ' + root.scrollWidth + ' > ' + root.clientWidth);
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth)
      out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + document.documentElement.clientWidth);
    for (const el of root.querySelectorAll('*')) {
      if (!el.getClientRects().length) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > edge.right + 0.5 || r.left < edge.left - 0.5)
        out.push(name(el) + ' overflows: ' + Math.round(r.left) + '..' + Math.round(r.right) + ' outside ' + Math.round(edge.left) + '..' + Math.round(edge.right));
      // Form controls scroll their own value; an image is drawn to its box.
      if (['INPUT', 'SELECT', 'TEXTAREA', 'IMG', 'OPTION'].includes(el.tagName)) continue;
      if (!(el.textContent || '').trim()) continue;
      const cs = getComputedStyle(el);
      const hidesX = cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis';
      const hidesY = cs.overflowY !== 'visible' || cs.webkitLineClamp !== 'none';
      if (hidesX && el.scrollWidth > el.clientWidth + 1)
        out.push(name(el) + ' is cut off: ' + el.scrollWidth + ' px wide in ' + el.clientWidth);
      if (hidesY && el.scrollHeight > el.clientHeight + 1)
        out.push(name(el) + ' is cut off: ' + el.scrollHeight + ' px tall in ' + el.clientHeight);
    }
    return out;
  })()`);
}
