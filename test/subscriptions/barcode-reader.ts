import { inflateSync } from "node:zlib";
import { CODE128_PATTERNS } from "../../src/subscriptions/barcode.js";

/** A greyscale PNG read back into pixels: checks the signature and every chunk's CRC, undoes all five row filters. */
export function readGreyscalePng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error("not a PNG");
  let offset = 8;
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  for (;;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    if (crcOf(png.subarray(offset + 4, offset + 8 + length)) !== crc) throw new Error(`bad CRC in ${type}`);
    offset += 12 + length;
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[9] !== 0 || body[12] !== 0) throw new Error("only 8-bit greyscale, not interlaced, is read here");
    } else if (type === "IDAT") data.push(body);
    else if (type === "IEND") break;
  }
  const raw = inflateSync(Buffer.concat(data));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)]!;
    for (let x = 0; x < width; x++) {
      const value = raw[y * (width + 1) + 1 + x]!;
      const left = x > 0 ? pixels[y * width + x - 1]! : 0;
      const up = y > 0 ? pixels[(y - 1) * width + x]! : 0;
      const upLeft = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1]! : 0;
      const predicted = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predicted === undefined) throw new Error(`unknown filter ${filter}`);
      pixels[y * width + x] = (value + predicted) & 0xff;
    }
  }
  return { width, height, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function crcOf(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Reads a Code 128 (code set B) symbol along one row of pixels, as a scanner does: dark and light runs, the module
 * width taken from the start character, a quiet zone of ten modules either side, the check value verified.
 */
export function scanCode128(row: Uint8Array): string {
  const runs: number[] = [];
  let dark = false;
  let run = 0;
  for (const pixel of row) {
    const isDark = pixel < 128;
    if (isDark === dark) run += 1;
    else {
      runs.push(run);
      dark = isDark;
      run = 1;
    }
  }
  runs.push(run);
  // runs alternate light, dark, light, …: the first and last are the quiet zones
  const [leadingQuiet, ...rest] = runs;
  const trailingQuiet = rest.pop()!;
  if (dark) throw new Error("the row ends on a bar: no quiet zone");
  const module = rest.slice(0, 6).reduce((a, b) => a + b, 0) / 11;
  if (leadingQuiet! < 10 * module || trailingQuiet < 10 * module) throw new Error("quiet zone narrower than ten modules");
  const widths = rest.map((width) => {
    const modules = Math.round(width / module);
    if (Math.abs(width / module - modules) > 0.25) throw new Error(`a bar of ${width / module} modules`);
    return modules;
  });
  const lookup = new Map(CODE128_PATTERNS.map((pattern, value) => [pattern, value]));
  const values: number[] = [];
  for (let i = 0; i < widths.length; ) {
    const size = widths.length - i === 7 ? 7 : 6;
    const value = lookup.get(widths.slice(i, i + size).join(""));
    if (value === undefined) throw new Error(`no symbol ${widths.slice(i, i + size).join("")}`);
    values.push(value);
    i += size;
  }
  if (values[0] !== 104 || values.at(-1) !== 106) throw new Error(`not a code set B symbol: ${values.join(",")}`);
  const data = values.slice(1, -2);
  const check = data.reduce((sum, value, i) => sum + value * (i + 1), 104) % 103;
  if (check !== values.at(-2)) throw new Error("check value does not match");
  return String.fromCharCode(...data.map((value) => value + 32));
}

/** The text of a Code 128 barcode image, read along its middle row. */
export function decodeBarcodePng(png: Buffer): string {
  const { width, height, pixels } = readGreyscalePng(png);
  const middle = Math.floor(height / 2);
  return scanCode128(pixels.subarray(middle * width, (middle + 1) * width));
}
