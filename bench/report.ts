// The progress report for the digest benchmark's busiest quarter (300,000 clients, 1,000,000
// contacts): each format end to end (figures, suppression, charts, the file's bytes) next to
// computeDigest alone, and the digest's chart (ECharts SVG, resvg PNG) on its own. Goals: all three
// formats in under 3 s; the chart under 100 ms.
import os from 'node:os';
import { buildDigestView } from '../src/views/digest.js';
import { newClientsChart } from '../src/views/chart-model.js';
import { renderChartPng, renderChartSvg } from '../src/views/chart.js';
import { computeDigest } from '../src/services/digest.js';
import { makeReport, makeReports, reportPeriodOf } from '../src/services/report.js';
import { openSeededBench, program, timedRounds } from './digest.js';

export async function benchReport(clients = 300_000, runs = 5, keep?: string) {
  const { db, period, loadSeconds, contacts, close } = await openSeededBench(clients, keep);
  try {
    const prisma = db.prisma;
    const loadAverage = os.loadavg().map((x) => Math.round(x * 10) / 10);
    const now = new Date();
    const reportPeriod = reportPeriodOf(program, period.label, now);
    const actor = { memberId: null, named: null, osUser: 'bench', host: 'bench' };
    const make = (format: 'html' | 'pdf' | 'xlsx') => () =>
      makeReport({ prisma, now: () => now }, { program, period: reportPeriod, format, actor });
    const t = await timedRounds(runs, {
      computeDigest: () => computeDigest(prisma, program, period),
      html: make('html'),
      pdf: make('pdf'),
      xlsx: make('xlsx'),
      // What `report` is for: one quarter in all three formats, the figures computed once.
      allThree: () =>
        makeReports(
          { prisma, now: () => now },
          { program, period: reportPeriod, formats: ['html', 'pdf', 'xlsx'], actor },
        ),
    });
    const view = buildDigestView(program, t.last.computeDigest, program.digest.suppressBelow);
    const model = newClientsChart(view.chart!);
    const c = await timedRounds(runs * 4, {
      chartSvg: async () => renderChartSvg(model),
      chartPng: async () => renderChartPng(model),
    });
    const all = t.ms('allThree');
    return {
      contacts,
      loadSeconds: Math.round(loadSeconds * 10) / 10,
      quarter: period.label,
      quarterContacts: t.last.computeDigest.contacts,
      bars: model.bars.length,
      computeDigestMs: t.ms('computeDigest'),
      htmlMs: t.ms('html'),
      pdfMs: t.ms('pdf'),
      xlsxMs: t.ms('xlsx'),
      allThreeMs: all,
      eachApartMs: t.ms('html') + t.ms('pdf') + t.ms('xlsx'),
      bytes: { html: t.last.html.bytes.length, pdf: t.last.pdf.bytes.length, xlsx: t.last.xlsx.bytes.length },
      chartSvgMs: c.ms('chartSvg'),
      chartPngMs: c.ms('chartPng'),
      goalMet: all < 3000 && c.ms('chartPng') < 100,
      loadAverageAtStart: loadAverage,
      runsMs: { ...t.runsMs, ...c.runsMs },
    };
  } finally {
    await close();
  }
}
