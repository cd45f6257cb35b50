// The Teams cards carelog sends, drawn by Microsoft's own Adaptive Cards renderer (the
// `adaptivecards` package) in headless Chromium at a narrow phone's width (360 px): nothing may
// reach past the card's edge or scroll sideways, and no text may be cut off. The cards are built
// by carelog's renderers (src/platforms/teams/) from made-up data: the contact form for a known
// client (every detail shown) and for a new client (every question, errors, kept notes), the
// confirmation, a follow-up nudge, a linkage check, and the weekly and quarterly digests.
// `npm run docs:pictures` draws the same page for the pictures in docs/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstalled, launchChromium, layoutProblems, NO_CHROMIUM } from '../support/chromium.js';
import {
  cardPage,
  confirmationSampleCard,
  contactFormCard,
  knownClientFormCard,
  newClientFormWithErrorsCard,
  nudgeCard,
  PHONE_WIDTH,
  quarterlyDigestCard,
  referralCheckCard,
  weeklyDigestCard,
} from '../support/teams-card-page.js';

const CARDS = {
  'contact form, known client, details shown': knownClientFormCard,
  'contact form, new client, as in the docs': contactFormCard,
  'contact form, new client, every question, with errors': newClientFormWithErrorsCard,
  confirmation: confirmationSampleCard,
  'follow-up nudge': nudgeCard,
  'linkage check': referralCheckCard,
  'weekly digest': weeklyDigestCard,
  'quarterly digest': quarterlyDigestCard,
};

if (!chromiumInstalled) {
  // Said once, on the console, besides vitest's own "skipped".
  console.warn(`teams-cards-phone: ${NO_CHROMIUM}`);
}

const PHONE = `Teams cards on a ${PHONE_WIDTH} px phone (official renderer, headless Chromium)`;

describe.skipIf(!chromiumInstalled)(PHONE, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** Draws a card at phone width and lists what overflows or is cut off (layoutProblems). */
  async function problemsOf(card: object): Promise<string[]> {
    const page = await browser.newPage({ viewport: { width: PHONE_WIDTH, height: 800 } });
    try {
      // Nothing leaves the machine: the cards carry their images inline.
      await page.route('**/*', (route) =>
        route.request().url().startsWith('data:') ? route.continue() : route.abort(),
      );
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.setContent(cardPage(card), { waitUntil: 'load' });
      expect(errors).toEqual([]);
      // The renderer drew the card (an empty #card would pass every check).
      expect(await page.locator('#card .ac-adaptiveCard').count()).toBe(1);
      return await layoutProblems(page, '#card');
    } finally {
      await page.close();
    }
  }

  it.each(Object.entries(CARDS))('%s: nothing overflows, no text is cut off', async (_name, build) => {
    expect(await problemsOf(build())).toEqual([]);
  });

  it('catches what it is there to catch: a line cut off, and columns wider than the phone', async () => {
    const card = (body: object[]) => ({ type: 'AdaptiveCard', version: '1.5', body });
    const line = 'Follow-up on Tue, Nov 24, 2026 by the client’s case manager, as asked';
    const cut = await problemsOf(card([{ type: 'TextBlock', text: line, wrap: false }]));
    expect(cut.join('\n')).toMatch(/is cut off/);
    const column = { type: 'Column', width: '200px', items: [{ type: 'TextBlock', text: 'Served', wrap: true }] };
    const wide = await problemsOf(card([{ type: 'ColumnSet', columns: [column, column, column] }]));
    expect(wide.join('\n')).toMatch(/overflows|scrolls sideways/);
  });
});
