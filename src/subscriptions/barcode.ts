/**
 * The rain check's barcode: Code 128 (code set B), which every till scanner reads, drawn as a small greyscale PNG so
 * that mail programs show it. Pure functions.
 */
import { crc32, deflateSync } from "node:zlib";

/**
 * Code 128's symbol values 0–106 as the widths of their bar, space, bar, space, bar, space (the stop adds a last
 * bar), in modules. Value 104 starts code set B, whose value for a character is its ASCII code minus 32.
 */
export const CODE128_PATTERNS: readonly string[] = [
  "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
  "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
  "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
  "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
  "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
  "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
  "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
  "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
  "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
  "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
  "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];
export const CODE128_START_B = 104;
export const CODE128_STOP = 106;

/** The symbol values of `text` in code set B: start, the characters, the check value, stop. */
export function code128Values(text: string): number[] {
  const values = [...text].map((character) => {
    const code = character.charCodeAt(0);
    if (code < 32 || code > 126) throw new Error(`code set B cannot encode ${JSON.stringify(character)}`);
    return code - 32;
  });
  const check = values.reduce((sum, value, i) => sum + value * (i + 1), CODE128_START_B) % 103;
  return [CODE128_START_B, ...values, check, CODE128_STOP];
}

/** Bar and space widths in modules, starting with a bar. */
export function code128Widths(text: string): number[] {
  return code128Values(text).flatMap((value) => [...CODE128_PATTERNS[value]!].map(Number));
}

export interface BarcodeImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Pixels per module and the quiet zone either side (at least ten modules, as the symbology asks). */
const MODULE_PX = 2;
const QUIET_MODULES = 10;
const BAR_HEIGHT_PX = 70;

/** A Code 128 barcode of `text` as an 8-bit greyscale PNG: black bars on white, quiet zones included. */
export function renderBarcodePng(text: string): BarcodeImage {
  const widths = code128Widths(text);
  const row: number[] = new Array<number>(QUIET_MODULES * MODULE_PX).fill(255);
  widths.forEach((width, i) => row.push(...new Array<number>(width * MODULE_PX).fill(i % 2 === 0 ? 0 : 255)));
  row.push(...new Array<number>(QUIET_MODULES * MODULE_PX).fill(255));
  // each scanline: filter type 0 (none), then its pixels
  const scanline = Buffer.from([0, ...row]);
  const raw = Buffer.concat(new Array<Buffer>(BAR_HEIGHT_PX).fill(scanline));
  const header = Buffer.alloc(13);
  header.writeUInt32BE(row.length, 0);
  header.writeUInt32BE(BAR_HEIGHT_PX, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, no filter method variants, not interlaced
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
  return { png, width: row.length, height: BAR_HEIGHT_PX };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}
