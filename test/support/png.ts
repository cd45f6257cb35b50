// A small PNG reader for tests: splits the chunks, checks each CRC with node:zlib's own crc32 (so
// the writer's CRC code is checked against an independent one), inflates IDAT and undoes the row
// filters. 8-bit truecolour (2), truecolour with alpha (6: what resvg writes for src/views/chart.ts)
// and palette (3), not interlaced.
import { crc32, inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  type: string;
  data: Buffer;
  crc: number;
  crcOk: boolean;
}

export interface DecodedPng {
  width: number;
  height: number;
  chunks: PngChunk[];
  /** [r, g, b] of the pixel at column x, row y (0, 0 top left). */
  rgb(x: number, y: number): [number, number, number];
}

export function readChunks(png: Buffer): PngChunk[] {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < png.length) {
    if (at + 12 > png.length) throw new Error(`truncated chunk at byte ${at}`);
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const end = at + 8 + length;
    if (end + 4 > png.length) throw new Error(`chunk ${type} runs past the end`);
    const crc = png.readUInt32BE(end);
    chunks.push({ type, data: png.subarray(at + 8, end), crc, crcOk: crc32(png.subarray(at + 4, end)) === crc });
    at = end + 4;
  }
  return chunks;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Buffer): DecodedPng {
  const chunks = readChunks(png);
  const bad = chunks.find((c) => !c.crcOk);
  if (bad) throw new Error(`bad CRC in ${bad.type}`);
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR') throw new Error('IHDR is not the first chunk');
  if (chunks.at(-1)?.type !== 'IEND') throw new Error('IEND is not the last chunk');
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  const [depth, colourType, , , interlace] = ihdr.data.subarray(8);
  if (depth !== 8 || (colourType !== 2 && colourType !== 3 && colourType !== 6) || interlace !== 0) {
    throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
  }
  const bpp = colourType === 2 ? 3 : colourType === 6 ? 4 : 1;
  const palette = chunks.find((c) => c.type === 'PLTE')?.data;
  if (colourType === 3 && !palette) throw new Error('palette image without PLTE');

  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * bpp;
  if (raw.length !== (stride + 1) * height)
    throw new Error(`IDAT holds ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp ? px[row + i - bpp]! : 0;
      const b = y > 0 ? px[row - stride + i]! : 0;
      const c = i >= bpp && y > 0 ? px[row - stride + i - bpp]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`row ${y}: unknown filter type ${filter}`);
      px[row + i] = (x + predictor) & 0xff;
    }
  }

  return {
    width,
    height,
    chunks,
    rgb(x, y) {
      if (x < 0 || y < 0 || x >= width || y >= height)
        throw new Error(`pixel (${x}, ${y}) is outside ${width}×${height}`);
      const i = y * stride + x * bpp;
      if (colourType === 2 || colourType === 6) return [px[i]!, px[i + 1]!, px[i + 2]!];
      const p = px[i]! * 3;
      if (p + 2 >= palette!.length) throw new Error(`palette index ${px[i]} out of range`);
      return [palette![p]!, palette![p + 1]!, palette![p + 2]!];
    },
  };
}
