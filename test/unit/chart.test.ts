// The chart (ECharts to SVG, resvg to PNG), read back: the SVG carries the title and the numbers as
// text, a suppressed count is never drawn as a number, the PNG decodes with an independent reader at
// the size asked, bars follow the counts, text is drawn with the bundled font only, the same model
// gives the same bytes.
import { describe, expect, it } from 'vitest';
import { isCarelogError } from '../../src/errors.js';
import { newClientsChart, type ChartBar } from '../../src/views/chart-model.js';
import { CHART_COLOURS, renderChartPng, renderChartSvg } from '../../src/views/chart.js';
import { decodePng, PNG_SIGNATURE, type DecodedPng } from '../support/png.js';

const hex = (rgb: number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
const isBar = (rgb: number[]) => hex(rgb) === CHART_COLOURS.current || hex(rgb) === CHART_COLOURS.other;
const isDark = ([r, g, b]: number[]) => r! < 0x60 && g! < 0x60 && b! < 0x60;

const quarters = (counts: number[], current = counts.length - 1): ChartBar[] =>
  counts.map((count, i) => ({
    label: `${2024 + Math.floor(i / 4)}-Q${(i % 4) + 1}${i === 0 ? '*' : ''}`,
    count,
    ...(i === current ? { current: true } : {}),
  }));

/** Text nodes of an SVG, unescaped. */
const texts = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  );

/** The labels on the bars (13px bold), in order. */
const barLabels = (svg: string) => texts(svg.replace(/<text(?![^>]*font-size:13px)[^>]*>[^<]*<\/text>/g, ''));

/** The axis: the row with the most dark pixels. */
function axisRow(img: DecodedPng): number {
  let best = 0;
  let bestCount = -1;
  for (let y = 0; y < img.height; y++) {
    let dark = 0;
    for (let x = 0; x < img.width; x++) if (isDark(img.rgb(x, y))) dark++;
    if (dark > bestCount) [best, bestCount] = [y, dark];
  }
  return best;
}

/** Each bar's height, measured up its middle from just above the axis. */
function barHeights(img: DecodedPng): number[] {
  const axis = axisRow(img);
  const y0 = axis - 2;
  const heights: number[] = [];
  for (let x = 0; x < img.width; x++) {
    if (!isBar(img.rgb(x, y0))) continue;
    const start = x;
    while (x < img.width && isBar(img.rgb(x, y0))) x++;
    const mid = Math.floor((start + x) / 2);
    let h = 0;
    while (y0 - h >= 0 && isBar(img.rgb(mid, y0 - h))) h++;
    heights.push(h);
  }
  return heights;
}

describe('renderChartSvg', () => {
  it('carries the title, every label and every number as text', () => {
    const svg = renderChartSvg(newClientsChart(quarters([5, 87, 115, 108])));
    const t = texts(svg);
    expect(t).toContain('New clients by quarter');
    for (const s of ['2024-Q1*', '2024-Q2', '2024-Q4']) expect(t).toContain(s);
    expect(barLabels(svg)).toEqual(['5', '87', '115', '108']);
    expect(t).toContain('* partial quarter: the program began during it');
    expect(svg).toContain('font-family:DejaVu Sans');
  });

  it('draws a suppressed count as its label, never as a number, and with no bar', () => {
    const bars: ChartBar[] = [
      { label: '2024-Q1*', count: 0, text: '<11' },
      { label: '2024-Q2', count: 0, text: 'hidden' },
      { label: '2024-Q3', count: 40, current: true },
    ];
    expect(barLabels(renderChartSvg(newClientsChart(bars)))).toEqual(['<11', 'hidden', '40']);
  });

  it('escapes text that is not its own', () => {
    const svg = renderChartSvg({ title: 'A & B <x>', bars: quarters([1, 2]), note: 'a < b' });
    expect(svg).not.toContain('<x>');
    expect(texts(svg)).toContain('a < b');
  });
});

describe('renderChartPng', () => {
  const sample = newClientsChart(quarters([5, 87, 115, 108], 2));

  it('is a PNG of the size asked, 800×400 by default', () => {
    const png = renderChartPng(sample);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([800, 400]);
    const small = decodePng(renderChartPng(sample, { width: 640, height: 300 }));
    expect([small.width, small.height]).toEqual([640, 300]);
  });

  it('draws bars whose heights follow the counts, the current quarter darker', () => {
    const img = decodePng(renderChartPng(sample));
    const heights = barHeights(img);
    expect(heights).toHaveLength(4);
    // 5 : 87 : 115 : 108, to within a pixel or two of anti-aliasing.
    const unit = heights[2]! / 115;
    for (const [i, c] of [5, 87, 115, 108].entries()) expect(Math.abs(heights[i]! - c * unit)).toBeLessThan(3);
    // The darker fill is the current quarter's, and reads darker in greyscale too.
    const grey = (h: string) =>
      0.299 * parseInt(h.slice(1, 3), 16) + 0.587 * parseInt(h.slice(3, 5), 16) + 0.114 * parseInt(h.slice(5, 7), 16);
    expect(grey(CHART_COLOURS.other) - grey(CHART_COLOURS.current)).toBeGreaterThan(50);
  });

  it('draws no bar for a suppressed count', () => {
    const img = decodePng(
      renderChartPng(newClientsChart([{ label: '2024-Q1*', count: 0, text: '<11' }, ...quarters([30, 40]).slice(0)])),
    );
    expect(barHeights(img)).toHaveLength(2);
  });

  it('draws its text with the bundled font: the title is ink, where the title goes', () => {
    const img = decodePng(renderChartPng(sample));
    let ink = 0;
    for (let y = 5; y < 35; y++) for (let x = 200; x < 600; x++) if (isDark(img.rgb(x, y))) ink++;
    expect(ink).toBeGreaterThan(200);
  });

  it('gives the same bytes for the same model, and different bytes for a different one', () => {
    const a = renderChartPng(sample);
    expect(a.equals(renderChartPng(newClientsChart(quarters([5, 87, 115, 108], 2))))).toBe(true);
    expect(a.equals(renderChartPng(newClientsChart(quarters([5, 87, 116, 108], 2))))).toBe(false);
  });

  it('refuses a size it cannot draw', () => {
    for (const size of [{ width: 0 }, { height: 10.5 }, { width: 100000 }]) {
      let caught: unknown;
      try {
        renderChartPng(sample, size);
      } catch (err) {
        caught = err;
      }
      expect(isCarelogError(caught, 'invalid_input'), JSON.stringify(size)).toBe(true);
    }
  });
});
