// A bar chart (new clients by quarter) as a PNG, in pure TypeScript: RGB pixels, PNG chunks with
// CRC-32, IDAT compressed with node:zlib. Deterministic: the same bars give the same bytes.
import { deflateSync } from 'node:zlib';

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function renderBarChartPng(bars: { label: string; count: number }[], opts: ChartOptions = {}): Buffer {
  const width = opts.width ?? 800;
  const height = opts.height ?? 400;
  const px = Buffer.alloc(width * height * 3, 0xff);
  const fill = (x0: number, y0: number, x1: number, y1: number, rgb: [number, number, number]) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) {
        const i = (y * width + x) * 3;
        px[i] = rgb[0];
        px[i + 1] = rgb[1];
        px[i + 2] = rgb[2];
      }
    }
  };
  const left = 40;
  const right = width - 20;
  const top = 40;
  const base = height - 40;
  fill(left, base, right, base + 2, [40, 40, 40]);
  const max = Math.max(1, ...bars.map((b) => b.count));
  const slot = bars.length ? (right - left) / bars.length : 0;
  bars.forEach((b, i) => {
    const h = Math.round(((base - top) * b.count) / max);
    const x0 = Math.round(left + i * slot + slot * 0.2);
    const x1 = Math.round(left + (i + 1) * slot - slot * 0.2);
    if (h > 0) fill(x0, base - h, x1, base, [44, 110, 170]);
  });
  // Filter byte 0 (none) before each row.
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) px.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
