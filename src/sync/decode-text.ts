import { Buffer, isAscii } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import { PassThrough, pipeline, type Readable, Transform, type TransformCallback } from "node:stream";
import { createGunzip, type Gunzip } from "node:zlib";

export type TextEncodingName = "utf-8" | "windows-1252";

export class UndecodableBodyError extends Error {
  constructor(
    readonly byteOffset: number,
    reason: string,
  ) {
    super(reason);
    this.name = "UndecodableBodyError";
  }
}

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the body is larger than the limit of ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

export class CompressionRatioError extends Error {
  constructor(
    readonly maxRatio: number,
    readonly compressedBytes: number,
    readonly inflatedBytes: number,
  ) {
    super(
      `the gzip body inflates to more than ${maxRatio} times its compressed size (${inflatedBytes} bytes from the first ` +
        `${compressedBytes} compressed bytes); no real export compresses that well`,
    );
    this.name = "CompressionRatioError";
  }
}

/** How far a gzip body may inflate: at most `maxRatio` × the compressed bytes read so far, plus `floorBytes`. */
export interface InflateLimits {
  maxRatio: number;
  floorBytes: number;
}

export interface DecodeReport {
  encoding: TextEncodingName;
  hadBom: boolean;
  bytes: number;
  sha256: string;
}

// The binary sniff and the BOM check look at this many leading bytes before any text is emitted.
const SNIFF_BYTES = 8192;
const BINARY_REASON = "the body is binary, not a CSV text file";
const NON_ASCII = /[^\x00-\x7f]/;
const C1_RANGE = /[\x80-\x9f]/g;
// Windows-1252 for bytes 0x80–0x9F (WHATWG index); the five bytes it leaves undefined keep their C1 code point.
const WINDOWS_1252_C1 =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

class TextDecodeStream extends Transform {
  private readonly maxBytes: number;
  private readonly hash: Hash = createHash("sha256");
  private byteCount = 0;
  private sha256: string | null = null;
  private encoding: TextEncodingName = "utf-8";
  private hadBom = false;
  // Leading chunks held back until the BOM and binary checks can see SNIFF_BYTES; null once decided.
  private head: Buffer[] | null = [];
  private headLength = 0;
  // ignoreBOM: the BOM is stripped here, so a second one is content, not something to drop silently.
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  // Bytes of an unfinished UTF-8 sequence the streaming decoder holds (mirrors its internal state).
  private carry: Buffer = Buffer.alloc(0);
  private emittedNonAscii = false;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = maxBytes;
    // Pushed strings stay strings (no Buffer round trip) when the readable side has this encoding.
    this.setEncoding("utf8");
  }

  report(): DecodeReport {
    return {
      encoding: this.encoding,
      hadBom: this.hadBom,
      bytes: this.byteCount,
      sha256: this.sha256 ?? this.hash.copy().digest("hex"),
    };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) return callback();
    const chunkStart = this.byteCount;
    this.byteCount += chunk.length;
    if (this.byteCount > this.maxBytes) return callback(new BodyTooLargeError(this.maxBytes));
    this.hash.update(chunk);
    try {
      if (this.head !== null) {
        this.head.push(chunk);
        this.headLength += chunk.length;
        if (this.headLength >= SNIFF_BYTES) this.decodeHead();
      } else {
        rejectNul(chunk, chunkStart);
        this.decodeChunk(chunk, chunkStart);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.head !== null) this.decodeHead();
      if (this.encoding === "utf-8") this.finishUtf8();
      this.sha256 = this.hash.digest("hex");
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private decodeHead(): void {
    const chunks = this.head ?? [];
    const head = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
    this.head = null;
    // Checked before the NUL scan: UTF-16 text is full of NULs and deserves the precise message.
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      throw new UndecodableBodyError(0, "UTF-16 is not supported: save the export as UTF-8");
    }
    rejectNul(head, 0);
    rejectControlHeavy(head);
    let bodyStart = 0;
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      this.hadBom = true;
      bodyStart = 3;
    }
    this.decodeChunk(head.subarray(bodyStart), bodyStart);
  }

  private decodeChunk(chunk: Buffer, chunkStart: number): void {
    if (chunk.length === 0) return;
    const ascii = isAscii(chunk);
    if (this.encoding === "windows-1252") {
      this.pushText(ascii ? chunk.toString("latin1") : decodeWindows1252(chunk));
      return;
    }
    // With nothing pending in the decoder, ASCII bytes are their own text: ten times faster than TextDecoder.
    if (ascii && this.carry.length === 0) {
      this.pushText(chunk.toString("latin1"));
      return;
    }
    let text: string;
    try {
      text = this.utf8.decode(chunk, { stream: true });
    } catch {
      this.recoverFromInvalidUtf8(chunk, chunkStart);
      return;
    }
    // A chunk that decoded cleanly but is not ASCII may end in the middle of a character.
    this.carry = ascii ? Buffer.alloc(0) : unfinishedUtf8Tail(chunk.length >= 4 ? chunk : Buffer.concat([this.carry, chunk]));
    if (!this.emittedNonAscii && !ascii) this.emittedNonAscii = NON_ASCII.test(text);
    this.pushText(text);
  }

  private recoverFromInvalidUtf8(chunk: Buffer, chunkStart: number): void {
    const pending = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const pendingStart = chunkStart - this.carry.length;
    const malformedAt = findMalformedUtf8(pending);
    const offset = pendingStart + (malformedAt === -1 ? 0 : malformedAt);
    if (this.hadBom) {
      throw new UndecodableBodyError(
        offset,
        `invalid UTF-8 at byte ${offset} although the file starts with a UTF-8 byte order mark`,
      );
    }
    // Valid UTF-8 characters before the bad byte, emitted or not, mean mixed encodings whatever the chunking.
    if (this.emittedNonAscii || !isAscii(pending.subarray(0, Math.max(0, malformedAt)))) {
      throw new UndecodableBodyError(
        offset,
        `invalid UTF-8 at byte ${offset} after valid UTF-8 text: the file mixes encodings`,
      );
    }
    // Everything emitted so far was ASCII, which Windows-1252 decodes identically, so the output stays exact.
    this.encoding = "windows-1252";
    this.carry = Buffer.alloc(0);
    this.pushText(decodeWindows1252(pending));
  }

  private finishUtf8(): void {
    try {
      this.pushText(this.utf8.decode());
      return;
    } catch {
      // Falls through: the stream ended inside a multi-byte sequence.
    }
    const offset = this.byteCount - this.carry.length;
    if (this.hadBom || this.emittedNonAscii) {
      throw new UndecodableBodyError(
        offset,
        `the body ends in the middle of a UTF-8 character at byte ${offset}: was the upload cut short?`,
      );
    }
    this.encoding = "windows-1252";
    this.pushText(decodeWindows1252(this.carry));
    this.carry = Buffer.alloc(0);
  }

  private pushText(text: string): void {
    if (text.length > 0) this.push(text, "utf8");
  }
}

/**
 * Not TextDecoder("windows-1252"): since Node 20.18.3 it decodes as Latin-1, turning 0x80 into U+0080
 * instead of "€" (nodejs/node#60888). Latin-1 plus the 32-entry table is exact and fast.
 */
function decodeWindows1252(bytes: Buffer): string {
  return bytes.toString("latin1").replace(C1_RANGE, (char) => WINDOWS_1252_C1[char.charCodeAt(0) - 0x80] ?? char);
}

function rejectNul(chunk: Buffer, chunkStart: number): void {
  const nulAt = chunk.indexOf(0);
  if (nulAt !== -1) throw new UndecodableBodyError(chunkStart + nulAt, BINARY_REASON);
}

function rejectControlHeavy(head: Buffer): void {
  const examined = Math.min(head.length, SNIFF_BYTES);
  let controls = 0;
  let firstControlAt = -1;
  for (let i = 0; i < examined; i++) {
    const byte = head[i]!;
    const isControl = (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) || byte === 0x7f;
    if (isControl) {
      controls++;
      if (firstControlAt === -1) firstControlAt = i;
    }
  }
  if (controls * 100 > examined) throw new UndecodableBodyError(firstControlAt, BINARY_REASON);
}

/** Copies the trailing bytes of a valid-so-far UTF-8 buffer that start a character not yet complete. */
function unfinishedUtf8Tail(bytes: Buffer): Buffer {
  for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 4); i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return bytes.length - i < length ? Buffer.from(bytes.subarray(i)) : Buffer.alloc(0);
  }
  return Buffer.alloc(0);
}

/** Index where the first malformed or truncated UTF-8 sequence starts (WHATWG rules), or -1. Error path only. */
function findMalformedUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let needed: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) needed = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      needed = 2;
      if (lead === 0xe0) lower = 0xa0;
      if (lead === 0xed) upper = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      needed = 3;
      if (lead === 0xf0) lower = 0x90;
      if (lead === 0xf4) upper = 0x8f;
    } else return i;
    for (let k = 1; k <= needed; k++) {
      const byte = bytes[i + k];
      if (byte === undefined || byte < lower || byte > upper) return i;
      lower = 0x80;
      upper = 0xbf;
    }
    i += needed + 1;
  }
  return -1;
}

/** Decodes a byte stream to text: strips a UTF-8 BOM; UTF-8 by default; falls back to Windows-1252 when the bytes are not valid UTF-8; rejects binary bodies; counts bytes against a limit; hashes everything. */
export function createTextDecoder(options: { maxBytes: number }): Transform & { report(): DecodeReport } {
  return new TextDecodeStream(options.maxBytes);
}

/** Looks at the first line of text and says which delimiter the file uses: tab when the first line has more tabs than commas (and at least one), else comma. Semicolon likewise if it clearly dominates. */
export function sniffDelimiter(firstChunk: string): "," | "\t" | ";" {
  let commas = 0;
  let tabs = 0;
  let semicolons = 0;
  let quoted = false;
  // Delimiters inside quoted header names ("Price, USD") do not count, and a quoted newline does not end the line.
  for (const char of firstChunk) {
    if (char === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (char === "\n" || char === "\r") break;
    else if (char === ",") commas++;
    else if (char === "\t") tabs++;
    else if (char === ";") semicolons++;
  }
  if (semicolons > commas && semicolons > tabs) return ";";
  if (tabs > commas) return "\t";
  return ",";
}

/**
 * If the byte stream starts with the gzip magic bytes (1f 8b), pipes it through zlib.createGunzip(); otherwise passes
 * it through. Returns a Readable. With `limits`, a gzip body that inflates past them fails with CompressionRatioError
 * as soon as it does, and the input stops being read.
 */
export function gunzipIfCompressed(input: Readable, limits?: InflateLimits): Readable {
  const output = new PassThrough();
  const head: Buffer[] = [];
  let headLength = 0;
  const detach = () => {
    input.off("data", onData);
    input.off("end", onEnd);
    input.off("error", onError);
    output.off("close", onOutputClose);
  };
  const onError = (error: Error) => {
    detach();
    output.destroy(error);
  };
  // The consumer gave up before the magic bytes arrived: the upload must not stay open.
  const onOutputClose = () => {
    detach();
    input.destroy();
  };
  // Fewer than two bytes in all cannot be gzip.
  const onEnd = () => {
    detach();
    output.end(Buffer.concat(head));
  };
  // The two magic bytes may arrive in separate chunks, so the head is collected before deciding.
  const onData = (chunk: unknown) => {
    const bytes = toBuffer(chunk);
    if (bytes === null) return onError(new TypeError("gunzipIfCompressed expects a stream of bytes"));
    head.push(bytes);
    headLength += bytes.length;
    if (headLength < 2) return;
    detach();
    input.pause();
    const first = head.length === 1 ? bytes : Buffer.concat(head);
    input.unshift(first);
    if (first[0] !== 0x1f || first[1] !== 0x8b) return void pipeline(input, output, ignoreError);
    const gunzip = createGunzip();
    if (limits) pipeline(input, gunzip, inflateGuard(gunzip, limits), output, ignoreError);
    else pipeline(input, gunzip, output, ignoreError);
  };
  input.on("data", onData);
  input.once("end", onEnd);
  input.once("error", onError);
  output.once("close", onOutputClose);
  return output;
}

/** Counts what `gunzip` emits against what it has consumed: a gzip bomb is refused after its first few kilobytes. */
function inflateGuard(gunzip: Gunzip, limits: InflateLimits): Transform {
  let inflated = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      inflated += chunk.length;
      // bytesWritten: compressed bytes the engine has consumed so far, updated as each output buffer is produced
      const compressed = gunzip.bytesWritten;
      if (inflated > limits.maxRatio * compressed + limits.floorBytes) {
        return callback(new CompressionRatioError(limits.maxRatio, compressed, inflated));
      }
      callback(null, chunk);
    },
  });
}

// pipeline already destroys the output with any error, which is where the consumer sees it.
function ignoreError(): void {}

function toBuffer(chunk: unknown): Buffer | null {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  return null;
}
