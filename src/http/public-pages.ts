// The three short public pages the Teams app manifest links to (appPackage/manifest.json,
// developer.websiteUrl, privacyUrl and termsOfUseUrl: https://<host>/, /privacy and /terms), served
// by carelog itself so the links an admin or a user follows from Teams' app details reach a page.
// Static text, from the README and docs/privacy.md; nothing about any program or client.
import type { HttpServer } from './server.js';

export const PUBLIC_PAGES = {
  '/': {
    title: 'carelog',
    paragraphs: [
      'carelog is an open-source chat-ops bot for police–mental-health co-responder teams, on Slack and Microsoft Teams.',
      'Clinicians log a contact right after a call in one short form; case managers get follow-up reminders and act on them in chat; leadership reads weekly and quarterly digests of the program’s figures, with small counts suppressed.',
      'This server runs carelog for one organisation. Questions about its use go to that organisation’s carelog administrator.',
    ],
  },
  '/privacy': {
    title: 'carelog: privacy',
    paragraphs: [
      'carelog holds health data about people in crisis, shared with police, and treats privacy as a feature.',
      'Clients are known only by program-scoped codes (such as PIC-0042): carelog stores no client names, and no names, notes or diagnoses ever go to a channel, a log line or an error message.',
      'Notes are encrypted at rest (AES-256-GCM) and can be cleared after a retention period the program sets. Every read and write of client data is recorded in an audit trail: who, what, when, never the content.',
      'Digests posted to channels carry counts only, with small counts suppressed; substance-use treatment (42 CFR Part 2) categories are never named in chat history or channels, and their counts never show below 11.',
      'The data is kept by the organisation that runs this server, in its own database; carelog sends nothing elsewhere. For access, correction or questions, contact that organisation’s privacy officer.',
    ],
  },
  '/terms': {
    title: 'carelog: terms of use',
    paragraphs: [
      'carelog is open-source software, provided as is, without warranty of any kind.',
      'This server is run by the organisation whose staff use it, under that organisation’s own policies for health records and information shared with police; its administrator decides who may use it.',
      'Use carelog only for the program’s work: log contacts with client codes, never names, and keep notes to what the program’s records need.',
    ],
  },
} as const satisfies Record<string, { title: string; paragraphs: string[] }>;

export type TPublicPath = keyof typeof PUBLIC_PAGES;

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A page as a small, self-contained HTML document (no scripts, no external resources). */
export function renderPublicPage(path: TPublicPath): string {
  const page = PUBLIC_PAGES[path];
  const links = (Object.keys(PUBLIC_PAGES) as TPublicPath[])
    .filter((p) => p !== path)
    .map((p) => `<a href="${p}">${escape(PUBLIC_PAGES[p].title)}</a>`)
    .join(' · ');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(page.title)}</title>`,
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;color:#222}</style>',
    '</head><body>',
    `<h1>${escape(page.title)}</h1>`,
    ...page.paragraphs.map((p) => `<p>${escape(p)}</p>`),
    `<p><small>${links}</small></p>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Serves the pages at their paths (GET), each with a strict content security policy. */
export function registerPublicPages(http: Pick<HttpServer, 'route'>): void {
  for (const path of Object.keys(PUBLIC_PAGES) as TPublicPath[]) {
    const html = renderPublicPage(path);
    http.route('GET', path, (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=3600',
      });
      res.end(html);
    });
  }
}
