// `npm run docs:pictures`: the README's pictures, drawn from carelog's own renderers. It builds the
// Teams contact form, a follow-up nudge and a weekly digest as the Adaptive Cards carelog sends
// (src/platforms/teams/), from made-up sample data that names nobody, draws each with Microsoft's
// Adaptive Cards renderer (the `adaptivecards` package) in headless Chromium at phone width, and
// writes PNGs to docs/images/, with the quarterly digest's chart as carelog draws it
// (src/views/chart.ts). It needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium),
// or at CHROMIUM_PATH.
//
// Each card must fit the phone's width: a card wider than the page (a column or a word that does
// not wrap) or text cut off stops the script, naming the card. The sample cards and the page that
// draws them are in test/support/teams-card-page.ts, shared with the phone-width test in `npm test`.
//
//   npm run docs:pictures [-- --out docs/images] [-- --only digest,digest-quarterly]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium, layoutProblems } from '../test/support/chromium.js';
import {
  cardPage,
  contactFormCard,
  nudgeCard,
  PHONE_WIDTH as WIDTH,
  quarterlyChart,
  quarterlyDigestCard,
  weeklyDigestCard,
} from '../test/support/teams-card-page.js';

const { values: args } = parseArgs({
  options: { out: { type: 'string', default: 'docs/images' }, only: { type: 'string' } },
});
/** The pictures to write (contact-form, nudge, digest, digest-quarterly, digest-chart); all by default. */
const ONLY = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : null;
const wanted = (name: string) => !ONLY || ONLY.has(name);
const OUT = path.resolve(args.out);

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 800 }, deviceScaleFactor: 1 });
    // Nothing leaves the machine: the cards carry their images inline.
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const cards = {
      'contact-form': contactFormCard,
      nudge: nudgeCard,
      digest: weeklyDigestCard,
      'digest-quarterly': quarterlyDigestCard,
    };
    for (const [name, build] of Object.entries(cards)) {
      if (!wanted(name)) continue;
      const card = build();
      await page.setContent(cardPage(card));
      if (errors.length) throw new Error(`the ${name} card did not render: ${errors.join('; ')}`);
      // Nothing past the phone's edge, no text cut off (the phone-width test checks the same).
      const problems = await layoutProblems(page, '#card');
      if (problems.length) throw new Error(`the ${name} card does not fit a ${WIDTH} px phone: ${problems.join('; ')}`);
      const drawn = page.locator('#card');
      const file = path.join(OUT, `${name}.png`);
      await drawn.screenshot({ path: file });
      process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
    }
    if (wanted('digest-chart')) {
      const chart = path.join(OUT, 'digest-chart.png');
      writeFileSync(chart, quarterlyChart());
      process.stdout.write(`${path.relative(process.cwd(), chart)}\n`);
    }
  } finally {
    await browser.close();
  }
}

await main();
