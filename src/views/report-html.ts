// The progress report as one self-contained HTML file: inline SVG charts, inline styles, no script,
// no external request. Print styles fit both Letter and A4 (the page size is left to the printer;
// the content fits the narrower and shorter of the two), and the layout reflows on a phone.
import { renderChartSvg } from './chart.js';
import type { ReportDocument, ReportTable } from './report.js';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1F2328; background: #fff;
  font-size: 15px; line-height: 1.45; }
main { max-width: 46rem; margin: 0 auto; padding: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 2px solid #0072B2; padding-bottom: .2rem; }
.cover { border-bottom: 4px solid #0072B2; padding-bottom: 1rem; margin-bottom: 1rem; }
.cover p { margin: .2rem 0; }
.summary { font-size: 1.05rem; font-weight: bold; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: .92rem; }
th, td { border-bottom: 1px solid #D0D7DE; padding: .3rem .45rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
thead th { border-bottom: 2px solid #1F2328; }
tbody th { font-weight: normal; }
figure { margin: .5rem 0; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
dl dt { font-weight: bold; margin-top: .5rem; }
dl dd { margin: 0 0 .2rem 0; }
.rule { background: #F6F8FA; border-left: 4px solid #57606A; padding: .5rem .75rem; }
footer { margin-top: 2rem; color: #57606A; font-size: .85rem; }
@media (max-width: 30rem) {
  main { padding: .75rem; }
  body { font-size: 14px; }
  table { font-size: .85rem; }
}
@page { margin: 15mm; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  section, figure, table { break-inside: avoid; }
  .scroll { overflow: visible; }
}
`;

function table(t: ReportTable): string {
  const numeric = (v: string) => /^(\d+|<\d+|hidden|—|[+-]?\d+ %)$/.test(v);
  const head = `<tr><th scope="col">${t.columns.length > 1 ? '' : 'Figure'}</th>${t.columns
    .map((c) => `<th scope="col" class="n">${esc(c)}</th>`)
    .join('')}</tr>`;
  const rows = t.rows
    .map(
      (r) =>
        `<tr><th scope="row">${esc(r.label)}</th>${r.values
          .map((v) => `<td${numeric(v) ? ' class="n"' : ''}>${esc(v)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table><thead>${head}</thead><tbody>\n${rows}\n</tbody></table></div>`;
}

function section(t: ReportTable): string {
  const chart = t.chart
    ? `<figure role="img" aria-label="${esc(t.chart.title)}">${renderChartSvg(t.chart, { width: 720, height: 340 })}</figure>`
    : '';
  return `<section><h2>${esc(t.title)}</h2>${chart}${table(t)}</section>`;
}

export function renderReportHtml(doc: ReportDocument): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(doc.title)}, ${esc(doc.periodName)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header class="cover">
<h1>${esc(doc.programName)}</h1>
<p>Progress report: <strong>${esc(doc.periodName)}</strong> (${esc(doc.periodDates)})</p>
<p>Generated on ${esc(doc.generatedOn)}. Figures from carelog.</p>
</header>
<p class="summary">${esc(doc.summary)}</p>
${section(doc.headline)}
${doc.sections.map(section).join('\n')}
<section><h2>Definitions</h2>
<dl>${doc.definitions.map((d) => `<dt>${esc(d.term)}</dt><dd>${esc(d.meaning)}</dd>`).join('')}</dl>
<h2>Suppression rule in force</h2>
<p class="rule">${esc(doc.suppressionRule)}</p>
</section>
<footer>${esc(doc.programName)} · ${esc(doc.periodName)} · figures from carelog</footer>
</main>
</body>
</html>
`;
}
