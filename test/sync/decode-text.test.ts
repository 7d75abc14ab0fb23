import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  BodyTooLargeError,
  createTextDecoder,
  gunzipIfCompressed,
  sniffDelimiter,
  UndecodableBodyError,
  type DecodeReport,
} from "../../src/sync/decode-text.js";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function decode(
  source: Readable,
  maxBytes = 1_000_000,
): Promise<{ text: string; report: DecodeReport; chunkTypes: Set<string> }> {
  const decoder = createTextDecoder({ maxBytes });
  let text = "";
  const chunkTypes = new Set<string>();
  await pipeline(source, decoder, async (decoded: AsyncIterable<unknown>) => {
    for await (const chunk of decoded) {
      chunkTypes.add(typeof chunk);
      text += String(chunk);
    }
  });
  return { text, report: decoder.report(), chunkTypes };
}

function decodeChunks(chunks: Buffer[], maxBytes?: number) {
  return decode(Readable.from(chunks), maxBytes);
}

function bytesOneByOne(bytes: Buffer): Buffer[] {
  return [...bytes].map((byte) => Buffer.from([byte]));
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function decodeError(chunks: Buffer[], maxBytes?: number): Promise<unknown> {
  return decodeChunks(chunks, maxBytes).then(
    () => expect.fail("expected the decoder to fail"),
    (error: unknown) => error,
  );
}

describe("createTextDecoder: UTF-8", () => {
  it("decodes UTF-8 without a BOM and emits strings", async () => {
    const csv = "Handle,Title,Location,On hand (current)\nmug,Mug — blue,Mt Auburn,-3\n";
    const { text, report, chunkTypes } = await decodeChunks([Buffer.from(csv)]);
    expect(text).toBe(csv);
    expect(chunkTypes).toEqual(new Set(["string"]));
    expect(report).toMatchObject({ encoding: "utf-8", hadBom: false, bytes: Buffer.byteLength(csv) });
  });

  it("strips a UTF-8 BOM and reports it, counting and hashing the BOM bytes", async () => {
    const body = Buffer.concat([BOM, Buffer.from("Date\tItem\tQty\n2026-11-02\tCafé\t2\n")]);
    const { text, report } = await decodeChunks([body]);
    expect(text).toBe("Date\tItem\tQty\n2026-11-02\tCafé\t2\n");
    expect(report).toEqual({ encoding: "utf-8", hadBom: true, bytes: body.length, sha256: sha256(body) });
  });

  it("strips a BOM that arrives one byte per chunk", async () => {
    const body = Buffer.concat([BOM, Buffer.from("sku,qty\nA1,3\n")]);
    const { text, report } = await decodeChunks(bytesOneByOne(body));
    expect(text).toBe("sku,qty\nA1,3\n");
    expect(report.hadBom).toBe(true);
    expect(report.encoding).toBe("utf-8");
  });

  it("keeps a body that is only part of a BOM-like prefix as Windows-1252 text", async () => {
    const { text, report } = await decodeChunks(bytesOneByOne(Buffer.from([0xef, 0xbb])));
    expect(text).toBe("ï»");
    expect(report).toMatchObject({ encoding: "windows-1252", hadBom: false });
  });

  it("decodes multi-byte characters split across chunks", async () => {
    const csv = "name,qty\nCrème brûlée,4\nTaco 🌮,2\n";
    const bytes = Buffer.from(csv);
    const splitInsideE = bytes.indexOf(0xa8); // second byte of "è"
    const { text } = await decodeChunks([bytes.subarray(0, splitInsideE), bytes.subarray(splitInsideE)]);
    expect(text).toBe(csv);
  });

  it("decodes when every byte, after 8 KiB of ASCII, arrives in its own chunk", async () => {
    const csv = `${"sku,qty\n".repeat(1100)}Crème brûlée,4\nTaco 🌮,2\n`;
    const bytes = Buffer.from(csv);
    const { text, report } = await decodeChunks([bytes.subarray(0, 8800), ...bytesOneByOne(bytes.subarray(8800))]);
    expect(text).toBe(csv);
    expect(report.encoding).toBe("utf-8");
  });
});

describe("createTextDecoder: Windows-1252 fallback", () => {
  const cafe1252 = Buffer.from([
    ...Buffer.from("Caf"),
    0xe9,
    ...Buffer.from(";Cr"),
    0xe8,
    ...Buffer.from("me br"),
    0xfb,
    ...Buffer.from("l"),
    0xe9,
    ...Buffer.from("e;"),
    0x80, // € in Windows-1252, a C1 control in Latin-1
    ...Buffer.from("4,50\r\n"),
  ]);
  const cafeText = "Café;Crème brûlée;€4,50\r\n";

  it("decodes a file that is not valid UTF-8 as Windows-1252", async () => {
    const { text, report } = await decodeChunks([cafe1252]);
    expect(text).toBe(cafeText);
    expect(report).toMatchObject({ encoding: "windows-1252", hadBom: false, bytes: cafe1252.length });
  });

  it("falls back when the first invalid byte arrives after pure-ASCII chunks already emitted", async () => {
    const asciiRows = Array.from({ length: 3 }, () => Buffer.from("A1;plain row;1\r\n".repeat(300)));
    const { text, report } = await decodeChunks([...asciiRows, cafe1252]);
    expect(text).toBe("A1;plain row;1\r\n".repeat(900) + cafeText);
    expect(report.encoding).toBe("windows-1252");
  });

  it("falls back when a chunk ends on a byte that looks like the start of a UTF-8 character", async () => {
    const ascii = Buffer.from("id;name\r\n".repeat(1000));
    const { text, report } = await decodeChunks([ascii, Buffer.from("Caf\xe9", "latin1"), Buffer.from(";1\r\n")]);
    expect(text).toBe(`${"id;name\r\n".repeat(1000)}Café;1\r\n`);
    expect(report.encoding).toBe("windows-1252");
  });

  it("falls back when the body ends on such a byte", async () => {
    const { text, report } = await decodeChunks([Buffer.from("name\nCaf\xe9", "latin1")]);
    expect(text).toBe("name\nCafé");
    expect(report.encoding).toBe("windows-1252");
  });

  it("maps bytes 0x80–0x9F to their Windows-1252 characters, not Latin-1 controls", async () => {
    const c1 = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
    const { text } = await decodeChunks([Buffer.from("note\n"), c1]);
    expect(text).toBe("note\n€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ");
  });

  it("decodes a Windows-1252 file one byte per chunk", async () => {
    const { text, report } = await decodeChunks(bytesOneByOne(cafe1252));
    expect(text).toBe(cafeText);
    expect(report.encoding).toBe("windows-1252");
  });
});

describe("createTextDecoder: rejected bodies", () => {
  it("rejects invalid UTF-8 after valid non-ASCII UTF-8, naming the byte offset", async () => {
    const utf8 = Buffer.from("name\nCrème\n".repeat(1000));
    const error = await decodeError([utf8, Buffer.from("Caf\xe9;1\n", "latin1")]);
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as UndecodableBodyError).byteOffset).toBe(utf8.length + 3);
    expect((error as Error).message).toMatch(/mixes encodings/);
  });

  it("rejects invalid UTF-8 within the first chunk after valid non-ASCII UTF-8", async () => {
    const body = Buffer.concat([Buffer.from("é,"), Buffer.from([0xe9, 0x0a])]);
    const error = await decodeError([body]);
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as UndecodableBodyError).byteOffset).toBe(3);
  });

  it("rejects a body that ends inside a UTF-8 character after valid UTF-8", async () => {
    const body = Buffer.concat([Buffer.from("price\n€4\n"), Buffer.from([0xe2, 0x82])]);
    const error = await decodeError(bytesOneByOne(body));
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as UndecodableBodyError).byteOffset).toBe(body.length - 2);
  });

  it("rejects invalid UTF-8 in a file with a UTF-8 BOM instead of guessing Windows-1252", async () => {
    const error = await decodeError([Buffer.concat([BOM, Buffer.from("Caf\xe9\n", "latin1")])]);
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as UndecodableBodyError).byteOffset).toBe(6);
  });

  it("rejects a PNG as binary", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const error = await decodeError([png]);
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as Error).message).toBe("the body is binary, not a CSV text file");
    expect((error as UndecodableBodyError).byteOffset).toBe(8);
  });

  it("rejects a NUL byte long after the first 8 KiB", async () => {
    const text = Buffer.from("sku,qty\n".repeat(5000));
    const error = await decodeError([text, Buffer.from([0x41, 0x00])]);
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as UndecodableBodyError).byteOffset).toBe(text.length + 1);
  });

  it("rejects a body whose first 8 KiB is more than 1% control characters", async () => {
    const line = Buffer.concat([Buffer.from("sku,qty,note"), Buffer.from([0x1b, 0x0a])]); // 14 bytes, 1 ESC
    const error = await decodeError([Buffer.concat(Array.from({ length: 100 }, () => line))]);
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as Error).message).toMatch(/binary/);
  });

  it("accepts tabs, CRLF and form feeds", async () => {
    const csv = "sku\tqty\r\nA1\t3\r\n\f";
    const { text } = await decodeChunks([Buffer.from(csv)]);
    expect(text).toBe(csv);
  });

  it.each([
    ["FF FE", [0xff, 0xfe]],
    ["FE FF", [0xfe, 0xff]],
  ])("rejects a UTF-16 BOM (%s) with a hint to save as UTF-8", async (_label, bom) => {
    const utf16 = Buffer.concat([Buffer.from(bom), Buffer.from("sku,qty\n", "utf16le")]);
    const error = await decodeError(bytesOneByOne(utf16));
    expect(error).toBeInstanceOf(UndecodableBodyError);
    expect((error as Error).message).toBe("UTF-16 is not supported: save the export as UTF-8");
  });

  it("fails with BodyTooLargeError once the byte count exceeds the limit", async () => {
    const error = await decodeError([Buffer.from("sku,qty\n"), Buffer.from("A1,3\n"), Buffer.from("B2,4\n")], 12);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect((error as BodyTooLargeError).limitBytes).toBe(12);
  });

  it("accepts a body of exactly the limit", async () => {
    const { report } = await decodeChunks([Buffer.from("sku,qty\n"), Buffer.from("A1,3")], 12);
    expect(report.bytes).toBe(12);
  });

  it("stops pulling from an endless body as soon as it passes the limit", async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield Buffer.alloc(1024, "a,b\n");
        }
      })(),
    );
    await expect(decode(endless, 64 * 1024)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(pulled).toBeLessThan(128);
  });
});

describe("gunzipIfCompressed", () => {
  const csv = `Handle,SKU,Location,Available (not editable)\n${"mug,0042,Mt Auburn,not stocked\ncafé,0043,Main St,-398\n".repeat(2000)}`;
  const plain = Buffer.from(csv);
  const gzipped = gzipSync(plain);

  it("gives the same text and sha256 for gzip input as for plain input", async () => {
    const fromPlain = await decode(gunzipIfCompressed(Readable.from([plain])));
    // Magic bytes split over chunks, then the rest in one piece.
    const fromGzip = await decode(
      gunzipIfCompressed(Readable.from([gzipped.subarray(0, 1), gzipped.subarray(1, 2), gzipped.subarray(2)])),
    );
    expect(fromGzip.text).toBe(csv);
    expect(fromPlain.text).toBe(csv);
    expect(fromGzip.report).toEqual(fromPlain.report);
    expect(fromGzip.report.sha256).toBe(sha256(plain));
    expect(fromGzip.report.bytes).toBe(plain.length);
  });

  it("passes plain bytes through unchanged, even one byte per chunk", async () => {
    const small = Buffer.from("sku,qty\nA1,3\n");
    const { text, report } = await decode(gunzipIfCompressed(Readable.from(bytesOneByOne(small))));
    expect(text).toBe("sku,qty\nA1,3\n");
    expect(report.sha256).toBe(sha256(small));
  });

  it("passes through bodies shorter than the magic bytes", async () => {
    expect((await decode(gunzipIfCompressed(Readable.from([Buffer.from("x")])))).text).toBe("x");
    expect((await decode(gunzipIfCompressed(Readable.from([])))).text).toBe("");
  });

  it("fails on a corrupt gzip body", async () => {
    const corrupt = Buffer.concat([gzipped.subarray(0, 40), Buffer.alloc(40, 0xff)]);
    await expect(decode(gunzipIfCompressed(Readable.from([corrupt])))).rejects.toThrow();
  });

  it("ends the input when the consumer gives up before the magic bytes arrive", async () => {
    const stalled = new Readable({ read() {} });
    const output = gunzipIfCompressed(stalled);
    output.destroy();
    await new Promise((resolve) => stalled.once("close", resolve));
    expect(stalled.destroyed).toBe(true);
  });

  it("passes on an error of the input stream", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error("connection reset"));
      },
    });
    await expect(decode(gunzipIfCompressed(failing))).rejects.toThrow("connection reset");
  });
});

describe("sniffDelimiter", () => {
  it("says comma for a comma header", () => {
    expect(sniffDelimiter("Handle,Title,Option1 Name,SKU\nmug,Mug,Color,0042\n")).toBe(",");
  });

  it("says tab for a tab header, even with commas in later lines", () => {
    expect(sniffDelimiter("Date\tTime\tItem\tQty\n2026-11-02\t09:00\tMug, blue\t1\n")).toBe("\t");
  });

  it("says semicolon for a semicolon header", () => {
    expect(sniffDelimiter("Café;Crème brûlée;Price\r\n")).toBe(";");
  });

  it("ignores delimiters inside quoted header names", () => {
    expect(sniffDelimiter('"System ID";"Price, EUR";"Qty."\n')).toBe(";");
    expect(sniffDelimiter('"Item\tname",SKU,Qty\n')).toBe(",");
  });

  it("says comma for a single-column header", () => {
    expect(sniffDelimiter("sku\nA1\n")).toBe(",");
  });
});
