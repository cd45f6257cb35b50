// One chart model, drawn by Apache ECharts on the server (SVG, no browser, no canvas) and turned into
// the PNG that Slack and Teams show by resvg. The same model and the same SVG feed the digest image,
// the HTML report (inline SVG) and the PDF report. Text is set in DejaVu Sans, shipped in the
// dejavu-fonts-ttf package and the only font resvg loads (no system fonts), so a bare container draws
// the same picture as a laptop.
//
// Colours: one hue family from the Okabe–Ito palette (safe for the common colour-vision
// deficiencies) with lightness doing the work, so the chart also reads in greyscale: the period the
// report is about in dark blue (#0072B2), other bars in light sky blue (#56B4E9), text near-black.
// Every bar carries its number; a suppressed count is drawn as no bar, with its label ("<11",
// "hidden") instead of a number.
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { BarChart } from 'echarts/charts';
import { GridComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { CarelogError } from '../errors.js';
import type { ChartModel } from './chart-model.js';

echarts.use([BarChart, GridComponent, TitleComponent, SVGRenderer]);

export interface ChartSize {
  /** @defaultValue 800 */
  width?: number;
  /** @defaultValue 400 */
  height?: number;
}

export const CHART_DEFAULT_WIDTH = 800;
export const CHART_DEFAULT_HEIGHT = 400;
const MIN_SIZE = 120;
const MAX_SIZE = 4096;

export const CHART_FONT_FAMILY = 'DejaVu Sans';
export const CHART_COLOURS = { current: '#0072B2', other: '#56B4E9', ink: '#1F2328', subtle: '#57606A' } as const;

const require = createRequire(import.meta.url);
/** The bundled font files (regular and bold), the only fonts the PNG renderer loads. */
export const CHART_FONT_FILES = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];

function sizeOf(size: ChartSize): { width: number; height: number } {
  const width = size.width ?? CHART_DEFAULT_WIDTH;
  const height = size.height ?? CHART_DEFAULT_HEIGHT;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < MIN_SIZE || v > MAX_SIZE)
      throw new CarelogError('invalid_input', `chart ${name} must be a whole number from ${MIN_SIZE} to ${MAX_SIZE}`);
  }
  return { width, height };
}

/** XML-escapes what goes into the SVG by our hand (ECharts escapes its own text). */
const xml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The chart as a standalone SVG document, the same string for the same model and size. */
export function renderChartSvg(model: ChartModel, size: ChartSize = {}): string {
  const { width, height } = sizeOf(size);
  const noteBand = model.note ? 22 : 0;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    const font = { fontFamily: CHART_FONT_FAMILY, color: CHART_COLOURS.ink };
    chart.setOption({
      animation: false,
      backgroundColor: '#FFFFFF',
      textStyle: font,
      title: {
        text: model.title,
        left: 'center',
        top: 8,
        textStyle: { ...font, fontSize: Math.max(12, Math.round(height / 22)), fontWeight: 'bold' },
      },
      grid: { left: 48, right: 24, top: Math.round(height / 22) + 40, bottom: 36 + noteBand, containLabel: false },
      xAxis: {
        type: 'category',
        data: model.bars.map((b) => b.label),
        axisLine: { lineStyle: { color: CHART_COLOURS.ink } },
        axisTick: { show: false },
        axisLabel: { ...font, fontSize: 12, interval: 0, color: CHART_COLOURS.ink },
      },
      yAxis: {
        type: 'value',
        minInterval: 1,
        axisLabel: { ...font, fontSize: 11, color: CHART_COLOURS.subtle },
        splitLine: { lineStyle: { color: '#D0D7DE' } },
      },
      series: [
        {
          type: 'bar',
          barMaxWidth: 72,
          label: { show: true, position: 'top', ...font, fontSize: 13, fontWeight: 'bold' },
          data: model.bars.map((b) => ({
            value: b.text === undefined ? b.count : 0,
            itemStyle: {
              color: b.current ? CHART_COLOURS.current : CHART_COLOURS.other,
              borderColor: CHART_COLOURS.ink,
              // A suppressed count has no bar at all: no outline of one either.
              borderWidth: b.text === undefined ? 1 : 0,
            },
            label: b.text === undefined ? {} : { formatter: b.text },
          })),
        },
      ],
    });
    let svg = chart.renderToSVGString();
    if (model.note) {
      const note = `<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-family="${CHART_FONT_FAMILY}" font-size="12" fill="${CHART_COLOURS.subtle}">${xml(model.note)}</text>`;
      svg = svg.replace(/<\/svg>\s*$/, `${note}</svg>`);
    }
    return svg;
  } finally {
    chart.dispose();
  }
}

/** The chart as a PNG (what chat shows), drawn from the SVG with the bundled font only. */
export function renderChartPng(model: ChartModel, size: ChartSize = {}): Buffer {
  const svg = renderChartSvg(model, size);
  const resvg = new Resvg(svg, {
    background: '#FFFFFF',
    font: { loadSystemFonts: false, fontFiles: CHART_FONT_FILES, defaultFontFamily: CHART_FONT_FAMILY },
  });
  return resvg.render().asPng();
}
