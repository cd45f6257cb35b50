// A bar chart (new clients by quarter) as a PNG, in pure TypeScript so the digest needs no native
// canvas: an 8-bit palette image, text drawn with a built-in 5×7 bitmap font at 2×, PNG chunks with
// CRC-32 (node:zlib's crc32) and IDAT compressed by node:zlib. Deterministic: the same bars give the same bytes.
import { crc32, deflateSync } from 'node:zlib';
import { CarelogError } from '../errors.js';

export interface ChartOptions {
  /** Drawn centred above the bars; no title band when absent. */
  title?: string;
  /** @defaultValue 800 */
  width?: number;
  /** @defaultValue 400 */
  height?: number;
}

export interface ChartBar {
  label: string;
  count: number;
  /** Written above the bar instead of its count (a suppressed count: "<11" over no bar). */
  text?: string;
}

export const CHART_DEFAULT_WIDTH = 800;
export const CHART_DEFAULT_HEIGHT = 400;
const MIN_SIZE = 120;
const MAX_SIZE = 4096;

// Palette indices; the PLTE chunk lists the colours in this order.
const WHITE = 0;
const INK = 1; // title, counts, axis
const LABEL = 2; // bar labels, a shade lighter than the counts
const BLUE = 3;
const PALETTE = [
  [0xff, 0xff, 0xff],
  [0x22, 0x26, 0x2e],
  [0x4a, 0x50, 0x5a],
  [0x4c, 0x78, 0xa8],
] as const;

// 5×7 glyphs, one hex byte per row from the top, bit 4 the leftmost column (HD44780 shapes).
// g, p, q and y are drawn two rows lower, so their tails hang below the line. Anything not listed
// draws as '?'.
const FONT: Record<string, string> = {
  ' ': '00000000000000',
  '-': '0000001f000000',
  '*': '0004150e150400',
  ':': '000c0c000c0c00',
  '%': '18190204081303',
  '(': '02040808080402',
  ')': '08040202020408',
  '.': '00000000000c0c',
  ',': '000000000c0408',
  '<': '02040810080402',
  '>': '08040201020408',
  '+': '0004041f040400',
  '/': '00010204081000',
  "'": '0c040800000000',
  '?': '0e110102040004',
  '0': '0e11131519110e',
  '1': '040c040404040e',
  '2': '0e11010204081f',
  '3': '1f02040201110e',
  '4': '02060a121f0202',
  '5': '1f101e0101110e',
  '6': '0608101e11110e',
  '7': '1f010204080808',
  '8': '0e11110e11110e',
  '9': '0e11110f01020c',
  A: '0e1111111f1111',
  B: '1e11111e11111e',
  C: '0e11101010110e',
  D: '1c12111111121c',
  E: '1f10101e10101f',
  F: '1f10101e101010',
  G: '0e11101711110f',
  H: '1111111f111111',
  I: '0e04040404040e',
  J: '0702020202120c',
  K: '11121418141211',
  L: '1010101010101f',
  M: '111b1515111111',
  N: '11111915131111',
  O: '0e11111111110e',
  P: '1e11111e101010',
  Q: '0e11111115120d',
  R: '1e11111e141211',
  S: '0f10100e01011e',
  T: '1f040404040404',
  U: '1111111111110e',
  V: '11111111110a04',
  W: '1111111515150a',
  X: '11110a040a1111',
  Y: '1111110a040404',
  Z: '1f01020408101f',
  a: '00000e010f110f',
  b: '1010161911111e',
  c: '00000e1010110e',
  d: '01010d1311110f',
  e: '00000e111f100e',
  f: '0609081c080808',
  g: '0f1111110f010e',
  h: '10101619111111',
  i: '04000c0404040e',
  j: '0200060202120c',
  k: '10101214181412',
  l: '0c04040404040e',
  m: '00001a15151111',
  n: '00001619111111',
  o: '00000e1111110e',
  p: '1e1111111e1010',
  q: '0f1111110f0101',
  r: '00001619101010',
  s: '00000e100e011e',
  t: '08081c08080906',
  u: '0000111111130d',
  v: '00001111110a04',
  w: '0000111115150a',
  x: '0000110a040a11',
  y: '111111110f010e',
  z: '00001f0204081f',
};
const GLYPH_W = 5;
const GLYPH_H = 7;
const DESCENDERS = new Set(['g', 'p', 'q', 'y']);
const DESCENT = 2;
const LINE_H = GLYPH_H + DESCENT;
const ADVANCE = GLYPH_W + 1; // one blank column between letters

const glyphCache = new Map<string, number[]>();
function glyph(ch: string): number[] {
  let rows = glyphCache.get(ch);
  if (!rows) {
    const hex = FONT[ch] ?? FONT['?']!;
    rows = Array.from({ length: GLYPH_H }, (_, r) => parseInt(hex.slice(r * 2, r * 2 + 2), 16));
    glyphCache.set(ch, rows);
  }
  return rows;
}

/** Width in pixels of `text` drawn at `scale`, without the trailing gap. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * ADVANCE - 1) * scale;
}

class Canvas {
  readonly px: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.px = new Uint8Array(width * height).fill(WHITE);
  }

  fill(x0: number, y0: number, x1: number, y1: number, colour: number): void {
    const xa = Math.max(0, x0);
    const xb = Math.min(this.width, x1);
    for (let y = Math.max(0, y0); y < Math.min(this.height, y1); y++) {
      if (xb > xa) this.px.fill(colour, y * this.width + xa, y * this.width + xb);
    }
  }

  text(text: string, x: number, y: number, scale: number, colour: number): void {
    [...text].forEach((ch, i) => {
      const rows = glyph(ch);
      const gx = x + i * ADVANCE * scale;
      const gy = y + (DESCENDERS.has(ch) ? DESCENT * scale : 0);
      rows.forEach((bits, r) => {
        for (let c = 0; c < GLYPH_W; c++) {
          if (bits & (1 << (GLYPH_W - 1 - c)))
            this.fill(gx + c * scale, gy + r * scale, gx + (c + 1) * scale, gy + (r + 1) * scale, colour);
        }
      });
    });
  }
}

const QUARTER = /^\d{2}(\d{2})-(Q[1-4]\*?)$/;

/** "2024-Q1*" → "24-Q1*"; other labels are kept as they are. */
function shortLabel(label: string): string {
  const m = QUARTER.exec(label);
  return m ? `${m[1]}-${m[2]}` : label;
}

/** Every `step`-th bar counting back from the last, so the latest bar is always labelled. */
const isLabelled = (i: number, n: number, step: number) => (n - 1 - i) % step === 0;

/**
 * Picks which bars get labels and in which form: every bar if the labels fit side by side, else
 * every second, and so on; full labels before short ones at each step. Quarter labels step by 1, 2,
 * 4, 8, … so that the labelled bars stay the same quarter of each year.
 */
function chooseLabels(
  full: string[],
  place: (text: string, i: number) => number,
  scale: number,
): { labels: string[]; step: number } {
  const n = full.length;
  const short = full.map(shortLabel);
  const quarters = n > 0 && full.every((l) => QUARTER.test(l));
  const steps = quarters
    ? [1, 2, ...Array.from({ length: Math.ceil(n / 4) }, (_, k) => 4 * (k + 1))]
    : Array.from({ length: n }, (_, k) => k + 1);
  const gap = 5 * scale;
  const fits = (labels: string[], step: number) => {
    let prevEnd = -Infinity;
    for (let i = 0; i < n; i++) {
      if (!isLabelled(i, n, step)) continue;
      const x = place(labels[i]!, i);
      if (x < prevEnd + gap) return false;
      prevEnd = x + textWidth(labels[i]!, scale);
    }
    return true;
  };
  for (const step of steps) {
    if (fits(full, step)) return { labels: full, step };
    if (fits(short, step)) return { labels: short, step };
  }
  return { labels: short, step: Math.max(1, n) }; // only the latest bar
}

function checkSize(name: string, v: number): number {
  if (!Number.isInteger(v) || v < MIN_SIZE || v > MAX_SIZE) {
    throw new CarelogError('invalid_input', `chart ${name} must be a whole number from ${MIN_SIZE} to ${MAX_SIZE}`);
  }
  return v;
}

/**
 * Draws the bars on white with a dark baseline, each bar's count above it and its label below,
 * heights proportional to the counts (the largest reaches the top of the plot; zero is no bar).
 * When labels are too wide for their bars, only every second (fourth, …) bar is labelled, counting
 * back from the latest so it always is, and quarter labels may lose the century ("24-Q1").
 */
export function renderBarChartPng(bars: ChartBar[], opts: ChartOptions = {}): Buffer {
  const width = checkSize('width', opts.width ?? CHART_DEFAULT_WIDTH);
  const height = checkSize('height', opts.height ?? CHART_DEFAULT_HEIGHT);
  const canvas = new Canvas(width, height);
  const scale = 2;
  const lineH = LINE_H * scale;
  const counts = bars.map((b) => (Number.isFinite(b.count) && b.count > 0 ? Math.round(b.count) : 0));
  const texts = bars.map((b, i) => b.text ?? String(counts[i]));

  const margin = 16;
  let top = margin;
  const title = opts.title?.trim();
  if (title) {
    // A title wider than the image loses letters from the end rather than running off it.
    let shown = title;
    while (shown.length > 1 && textWidth(shown, scale) > width - 2 * margin) shown = shown.slice(0, -1);
    canvas.text(shown, Math.floor((width - textWidth(shown, scale)) / 2), top, scale, INK);
    top += lineH + 10;
  }

  const left = margin;
  const right = width - margin;
  const base = height - 10 - lineH - 8; // the baseline's top row; labels sit below it
  const n = bars.length;
  const slot = n ? (right - left) / n : 0;
  const barW = Math.max(1, Math.min(80, Math.round(slot * 0.62)));
  const centre = (i: number) => Math.round(left + slot * (i + 0.5));
  /** Left edge of `text` centred under bar i, kept inside the image. */
  const place = (text: string, i: number, s = scale) => {
    const w = textWidth(text, s);
    return Math.max(margin / 2, Math.min(width - margin / 2 - w, centre(i) - Math.floor(w / 2)));
  };

  // Counts at 2× where they fit above a bar, else 1×, else on every other bar (and so on).
  const countW = (s: number) => Math.max(0, ...texts.map((t) => textWidth(t, s)));
  const countScale = countW(2) + 2 * scale <= slot ? 2 : 1;
  const countStep = Math.max(1, Math.ceil((countW(countScale) + 2) / slot));
  const plotTop = top + GLYPH_H * countScale + 6;
  const plotH = Math.max(1, base - plotTop);

  const { labels, step: labelStep } = chooseLabels(
    bars.map((b) => b.label),
    (text, i) => place(text, i),
    scale,
  );

  const max = Math.max(1, ...counts);
  counts.forEach((count, i) => {
    const cx = centre(i);
    // A positive count gets at least a pixel, so it never looks like a zero.
    const h = count > 0 ? Math.max(1, Math.round((plotH * count) / max)) : 0;
    const x0 = cx - Math.floor(barW / 2);
    if (h > 0) canvas.fill(x0, base - h, x0 + barW, base, BLUE);
    if (isLabelled(i, n, countStep)) {
      const s = texts[i]!;
      canvas.text(s, place(s, i, countScale), base - h - 4 - GLYPH_H * countScale, countScale, INK);
    }
    if (isLabelled(i, n, labelStep)) canvas.text(labels[i]!, place(labels[i]!, i), base + 2 + 6, scale, LABEL);
  });
  canvas.fill(left, base, right, base + 2, INK);

  return encodePng(canvas);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function encodePng(c: Canvas): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(c.width, 0);
  ihdr.writeUInt32BE(c.height, 4);
  ihdr[8] = 8; // bits per palette index
  ihdr[9] = 3; // colour type: palette
  // compression 0, filter method 0, no interlace: already zero
  const raw = Buffer.alloc((c.width + 1) * c.height); // filter type 0 (none) opens each row
  for (let y = 0; y < c.height; y++) raw.set(c.px.subarray(y * c.width, (y + 1) * c.width), y * (c.width + 1) + 1);
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', Uint8Array.from(PALETTE.flat())),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
