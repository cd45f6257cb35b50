// What a chart says, apart from how it is drawn: the digest, the report and their tests build a
// ChartModel here and hand it to src/views/chart.ts, which draws it (ECharts and resvg). Kept apart so
// that building a digest or a report's document does not load the charting library: that loads with
// the first picture drawn, not at every start.

/** A bar: its label, its count, and what to write instead of the count when it is suppressed. */
export interface ChartBar {
  label: string;
  /** The bar's height; 0 for a suppressed count, which is drawn as its text alone. */
  count: number;
  /** Shown instead of the count ("<11", "hidden") when the count is suppressed. */
  text?: string;
  /** The bar of the period the chart is about: drawn darker. */
  current?: boolean;
}

/** What a chart says, whatever draws it: a title, and one bar per category. */
export interface ChartModel {
  title: string;
  bars: ChartBar[];
  /** A line under the chart ("* partial quarter: the program began on 2024-03-01"). */
  note?: string;
}

/** The digest's and the report's chart of new clients by quarter since the program began. */
export function newClientsChart(bars: ChartBar[]): ChartModel {
  return {
    title: 'New clients by quarter',
    bars,
    ...(bars.some((b) => b.label.endsWith('*')) ? { note: '* partial quarter: the program began during it' } : {}),
  };
}
