// The digest's bar chart PNG, read back with an independent decoder: a valid file, bars whose
// heights follow the counts, legible text where it should be, the same bytes for the same bars.
import { describe, expect, it } from 'vitest';
import { isCarelogError } from '../../src/errors.js';
import { renderBarChartPng } from '../../src/views/chart.js';
import { decodePng, PNG_SIGNATURE, readChunks, type DecodedPng } from '../support/png.js';

const BLUE = [0x4c, 0x78, 0xa8];
const isBlue = ([r, g, b]: number[]) => r === BLUE[0] && g === BLUE[1] && b === BLUE[2];
const isDark = ([r, g, b]: number[]) => r! < 0x60 && g! < 0x60 && b! < 0x60;

const quarters = (counts: number[]) =>
  counts.map((count, i) => ({
    label: `${2024 + Math.floor(i / 4)}-Q${(i % 4) + 1}${i === counts.length - 1 ? '*' : ''}`,
    count,
  }));

/** The top row of the axis: the row with the most dark pixels. */
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

/** Each bar as found just above the axis: where it starts, how wide and how tall it is. */
function measureBars(img: DecodedPng): { x: number; width: number; height: number }[] {
  const axis = axisRow(img);
  const bars: { x: number; width: number; height: number }[] = [];
  for (let x = 0; x < img.width; x++) {
    if (!isBlue(img.rgb(x, axis - 1))) continue;
    const start = x;
    while (x < img.width && isBlue(img.rgb(x, axis - 1))) x++;
    const mid = Math.floor((start + x) / 2);
    let height = 0;
    while (axis - 1 - height >= 0 && isBlue(img.rgb(mid, axis - 1 - height))) height++;
    bars.push({ x: start, width: x - start, height });
  }
  return bars;
}

function darkPixels(img: DecodedPng, y0: number, y1: number): { count: number; minX: number; maxX: number } {
  let count = 0;
  let minX = Infinity;
  let maxX = -Infinity;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!isDark(img.rgb(x, y))) continue;
      count++;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
    }
  }
  return { count, minX, maxX };
}

describe('renderBarChartPng', () => {
  const sample = quarters([5, 87, 115, 108]);

  it('writes a PNG: signature, IHDR first, IEND last, every chunk CRC right', () => {
    const png = renderBarChartPng(sample, { title: 'New clients by quarter' });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const chunks = readChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
    for (const c of chunks) expect(c.crcOk, `CRC of ${c.type}`).toBe(true);
  });

  it('catches a damaged byte through the CRC', () => {
    const png = Buffer.from(renderBarChartPng(sample));
    const at = 8 + 8 + 2; // inside IHDR's width
    png.writeUInt8(png.readUInt8(at) ^ 0x01, at);
    expect(readChunks(png)[0]!.crcOk).toBe(false);
  });

  it('is 800×400 by default and the requested size otherwise', () => {
    const byDefault = decodePng(renderBarChartPng(sample));
    expect([byDefault.width, byDefault.height]).toEqual([800, 400]);
    const ihdr = readChunks(renderBarChartPng(sample, { width: 640, height: 300 }))[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([640, 300, 8, 3]);
    const sized = decodePng(renderBarChartPng(sample, { width: 640, height: 300 }));
    expect([sized.width, sized.height]).toEqual([640, 300]);
  });

  it('has a white background', () => {
    const img = decodePng(renderBarChartPng(sample));
    expect(img.rgb(0, 0)).toEqual([255, 255, 255]);
    expect(img.rgb(799, 399)).toEqual([255, 255, 255]);
  });

  it('draws bars with heights proportional to the counts, the largest near the top', () => {
    const counts = [5, 87, 115, 108];
    const img = decodePng(renderBarChartPng(quarters(counts), { title: 'New clients by quarter' }));
    const bars = measureBars(img);
    expect(bars).toHaveLength(4);
    const tallest = bars[2]!.height;
    expect(tallest).toBeGreaterThan(img.height * 0.7);
    counts.forEach((c, i) =>
      expect(Math.abs(bars[i]!.height - (tallest * c) / 115), `bar ${i}`).toBeLessThanOrEqual(1.5),
    );
  });

  it('draws no bar for a zero count, and leaves its slot empty', () => {
    const img = decodePng(renderBarChartPng(quarters([0, 10, 0, 5])));
    const bars = measureBars(img);
    expect(bars).toHaveLength(2);
    // Four slots across the plot: the bars sit in the second and fourth.
    const slot = img.width / 4;
    expect(Math.floor((bars[0]!.x + bars[0]!.width / 2) / slot)).toBe(1);
    expect(Math.floor((bars[1]!.x + bars[1]!.width / 2) / slot)).toBe(3);
    expect(bars[1]!.height / bars[0]!.height).toBeCloseTo(0.5, 1);
  });

  it('draws a suppressed count as its text alone, over no bar, in its own slot', () => {
    const bars = [{ label: '2024-Q1*', count: 0, text: '<11' }, ...quarters([87, 115])];
    const img = decodePng(renderBarChartPng(bars));
    expect(measureBars(img)).toHaveLength(2);
    const axis = axisRow(img);
    const slot = img.width / 3;
    // Just above the axis in the first slot: three glyphs ("<11") where a count would sit, not one ("0").
    const extent = (png: Buffer) => {
      const im = decodePng(png);
      let minX = Infinity;
      let maxX = -Infinity;
      for (let y = axis - 24; y < axis - 2; y++) {
        for (let x = 0; x < slot; x++) {
          if (!isDark(im.rgb(x, y))) continue;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
        }
      }
      return maxX - minX + 1;
    };
    expect(extent(renderBarChartPng(bars))).toBeGreaterThanOrEqual(30);
    expect(extent(renderBarChartPng([{ label: '2024-Q1*', count: 0 }, ...quarters([87, 115])]))).toBeLessThan(15);
  });

  it('gives a small positive count at least a pixel, so it never reads as zero', () => {
    const bars = measureBars(decodePng(renderBarChartPng(quarters([1, 100000]))));
    expect(bars).toHaveLength(2);
    expect(bars[0]!.height).toBeGreaterThanOrEqual(1);
  });

  it('fits forty bars, equally wide and evenly spaced', () => {
    const counts = Array.from({ length: 40 }, (_, i) => 20 + ((i * 37) % 180));
    const img = decodePng(renderBarChartPng(quarters(counts), { title: 'New clients by quarter' }));
    const bars = measureBars(img);
    expect(bars).toHaveLength(40);
    expect(new Set(bars.map((b) => b.width)).size).toBe(1);
    const gaps = bars.slice(1).map((b, i) => b.x - bars[i]!.x);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
  });

  it('draws an axis and, with no bars, nothing else', () => {
    const img = decodePng(renderBarChartPng([]));
    expect(measureBars(img)).toHaveLength(0);
    const axis = axisRow(img);
    expect(darkPixels(img, axis, axis + 1).count).toBeGreaterThan(700);
    expect(darkPixels(img, 0, img.height).count).toBe(darkPixels(img, axis, axis + 2).count);
  });

  it('draws the title in dark pixels, centred in the band above the bars', () => {
    const bars = quarters([5, 87, 115, 108]);
    const img = decodePng(renderBarChartPng(bars, { title: 'New clients by quarter' }));
    const band = darkPixels(img, 0, 36);
    expect(band.count).toBeGreaterThan(300);
    expect(Math.abs((band.minX + band.maxX) / 2 - img.width / 2)).toBeLessThanOrEqual(2);
    // No bar reaches into the title band.
    expect(Math.min(...measureBars(img).map((b) => axisRow(img) - b.height))).toBeGreaterThan(36);
    const untitled = decodePng(renderBarChartPng(bars));
    expect(darkPixels(untitled, 0, 16).count).toBe(0);
  });

  it('draws the counts above the bars and the labels below the axis', () => {
    const img = decodePng(renderBarChartPng(quarters([5, 87, 115, 108])));
    const axis = axisRow(img);
    const [bar] = measureBars(img);
    const aboveFirst = darkPixels(img, axis - bar!.height - 20, axis - bar!.height);
    expect(aboveFirst.count).toBeGreaterThan(10);
    expect(darkPixels(img, axis + 2, img.height).count).toBeGreaterThan(4 * 100);
  });

  it('has a glyph for every character a digest label or title uses', () => {
    const unknown = renderBarChartPng([], { title: '?', width: 160, height: 120 });
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-*:%().,';
    const missing = [...chars].filter((ch) =>
      renderBarChartPng([], { title: ch, width: 160, height: 120 }).equals(unknown),
    );
    expect(missing).toEqual([]);
  });

  it('gives the same bytes for the same bars, and different bytes for different ones', () => {
    const a = renderBarChartPng(sample, { title: 'New clients by quarter' });
    const b = renderBarChartPng(quarters([5, 87, 115, 108]), { title: 'New clients by quarter' });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(renderBarChartPng(quarters([5, 87, 116, 108]), { title: 'New clients by quarter' }))).toBe(false);
    expect(a.equals(renderBarChartPng(sample, { title: 'New clients by quarter!' }))).toBe(false);
  });

  it('refuses a size it cannot draw', () => {
    for (const size of [{ width: 0 }, { height: 10.5 }, { width: 100000 }]) {
      let caught: unknown;
      try {
        renderBarChartPng(sample, size);
      } catch (err) {
        caught = err;
      }
      expect(isCarelogError(caught, 'invalid_input'), JSON.stringify(size)).toBe(true);
    }
  });
});
