import { describe, expect, it } from "vitest";
import { CODE128_PATTERNS, code128Values, renderBarcodePng } from "../../src/subscriptions/barcode.js";
import { newRainCheckCode } from "../../src/subscriptions/customer-notices.js";
import { decodeBarcodePng, readGreyscalePng } from "./barcode-reader.js";

describe("the Code 128 table", () => {
  it("matches the symbology's published values where an off-by-one would show", () => {
    // values 0, 'R' (50), 'C' (35), the three starts and the stop, as printed in the standard's table
    expect(CODE128_PATTERNS[0]).toBe("212222");
    expect(CODE128_PATTERNS["R".charCodeAt(0) - 32]).toBe("231131");
    expect(CODE128_PATTERNS["C".charCodeAt(0) - 32]).toBe("131321");
    expect(CODE128_PATTERNS.slice(103)).toEqual(["211412", "211214", "211232", "2331112"]);
  });

  it("has 107 distinct symbols of eleven modules each (the stop thirteen), bars of even width in total", () => {
    expect(CODE128_PATTERNS).toHaveLength(107);
    expect(new Set(CODE128_PATTERNS).size).toBe(107);
    CODE128_PATTERNS.forEach((pattern, value) => {
      const widths = [...pattern].map(Number);
      expect(widths.reduce((a, b) => a + b, 0), `value ${value}`).toBe(value === 106 ? 13 : 11);
      const bars = widths.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
      expect(bars % 2, `value ${value}`).toBe(0);
    });
  });

  it("computes the check value as the weighted sum of values modulo 103", () => {
    // "PJJ123C": start B 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7 = 879, 879 mod 103 = 55
    expect(code128Values("PJJ123C")).toEqual([104, 48, 42, 42, 17, 18, 19, 35, 55, 106]);
  });
});

describe("renderBarcodePng", () => {
  it("draws a PNG that a scanner reads back as the rain check code, for many codes", () => {
    for (let i = 0; i < 50; i++) {
      const code = newRainCheckCode();
      const image = renderBarcodePng(code);
      expect(decodeBarcodePng(image.png)).toBe(code);
      const { width, height } = readGreyscalePng(image.png);
      expect({ width, height }).toEqual({ width: image.width, height: image.height });
      // fits a phone's email column without scaling below two pixels a module
      expect(image.width).toBeLessThanOrEqual(600);
    }
  });

  it("refuses characters code set B cannot carry", () => {
    expect(() => renderBarcodePng("RC\u00e9")).toThrow(/cannot encode/);
  });
});
