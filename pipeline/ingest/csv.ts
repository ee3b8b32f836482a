/**
 * A streaming RFC 4180 CSV parser: comma-separated, `"` quoting with `""`
 * escapes, quoted fields may hold commas, quotes and line breaks; records end
 * at CRLF, LF or a lone CR. It keeps at most one record in memory, reports the
 * physical line each record starts on and its raw text, and flags broken
 * quoting and over-long records instead of throwing, so one bad row never
 * stops a file. (uDSV was measured and is faster on clean files, but reports
 * neither line numbers nor broken quoting; see docs/ingest.md.)
 *
 * @module
 */

import { HttpError } from "../../routes/errors.ts";
import { chunksOf } from "./body.ts";

/** One parsed record. */
export interface CsvRecord {
  /** The fields (empty when `tooLarge`). */
  fields: string[];
  /** Physical line (1-based) the record starts on. */
  line: number;
  /** The record's text without its line break (its start only when `tooLarge`). */
  raw: string;
  /** Broken quoting, as a sentence; the record is `malformed`. */
  error?: string;
  /** The record is longer than `maxRecordChars`. */
  tooLarge?: boolean;
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

/** Options of {@link CsvParser}. */
export interface CsvParserOptions {
  /** Records longer than this (characters) are reported `tooLarge` and not buffered. */
  maxRecordChars: number;
  /** How much of a too-large record's text is kept. */
  keepChars: number;
}

/**
 * Incremental parser: feed text with {@link CsvParser.push}, then call
 * {@link CsvParser.end}. Blank lines are skipped (their line numbers count).
 *
 * @example
 * ```ts
 * const p = new CsvParser({ maxRecordChars: 32768, keepChars: 16384 });
 * const records = [...p.push('a,"b\nc"\n1,2\n'), ...p.end()];
 * records[0].fields; // ["a", "b\nc"]
 * records[1].line; // 3
 * ```
 */
export class CsvParser {
  readonly #max: number;
  readonly #keep: number;
  #fields: string[] = [];
  #pending = "";
  #raw = "";
  #state = FIELD_START;
  #line = 1;
  #recordLine = 1;
  #error: string | undefined;
  #tooLarge = false;
  #skipLf = false;
  #any = false;

  constructor(options: CsvParserOptions) {
    this.#max = options.maxRecordChars;
    this.#keep = Math.min(options.keepChars, options.maxRecordChars);
  }

  #fail(message: string): void {
    this.#error ??= message;
  }

  /** Parses a chunk of text; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const n = chunk.length;
    let recStart = 0;
    let fieldStart = 0;
    let i = 0;
    if (this.#skipLf && n > 0) {
      this.#skipLf = false;
      if (chunk.charCodeAt(0) === LF) {
        i = 1;
        recStart = 1;
        fieldStart = 1;
      }
    }
    for (; i < n; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.#state) {
        case UNQUOTED: {
          // Fast scan to the next character that matters.
          let j = i;
          let d = c;
          while (d !== COMMA && d !== LF && d !== CR && d !== QUOTE) {
            if (++j >= n) break;
            d = chunk.charCodeAt(j);
          }
          i = j;
          if (j >= n) break;
          if (d === COMMA) {
            this.#fields.push(this.#pending + chunk.slice(fieldStart, i));
            this.#pending = "";
            this.#state = FIELD_START;
            fieldStart = i + 1;
          } else if (d === QUOTE) {
            this.#fail(`Unexpected quote inside an unquoted field`);
          } else {
            this.#fields.push(this.#pending + chunk.slice(fieldStart, i));
            this.#pending = "";
            recStart = this.#endRecord(out, chunk, recStart, i, d);
            fieldStart = recStart;
            i = recStart - 1;
          }
          break;
        }
        case FIELD_START:
          if (c === QUOTE) {
            this.#state = QUOTED;
            this.#any = true;
            fieldStart = i + 1;
          } else if (c === COMMA) {
            this.#fields.push("");
            this.#any = true;
            fieldStart = i + 1;
          } else if (c === LF || c === CR) {
            if (this.#any) this.#fields.push("");
            recStart = this.#endRecord(out, chunk, recStart, i, c);
            fieldStart = recStart;
            i = recStart - 1;
          } else {
            this.#state = UNQUOTED;
            this.#any = true;
            fieldStart = i;
            i--; // let the fast scan handle this character
          }
          break;
        case QUOTED: {
          const q = chunk.indexOf('"', i);
          const end = q === -1 ? n : q;
          for (let k = i; k < end; k++) if (chunk.charCodeAt(k) === LF) this.#line++;
          if (q === -1) {
            i = n;
            break;
          }
          i = q;
          this.#pending += chunk.slice(fieldStart, i);
          this.#state = QUOTE_IN_QUOTED;
          fieldStart = i + 1;
          break;
        }
        case QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            this.#pending += '"';
            this.#state = QUOTED;
            fieldStart = i + 1;
          } else if (c === COMMA) {
            this.#fields.push(this.#pending);
            this.#pending = "";
            this.#state = FIELD_START;
            fieldStart = i + 1;
          } else if (c === LF || c === CR) {
            this.#fields.push(this.#pending);
            this.#pending = "";
            recStart = this.#endRecord(out, chunk, recStart, i, c);
            fieldStart = recStart;
            i = recStart - 1;
          } else {
            this.#fail(`Unexpected character after a closing quote`);
            this.#state = UNQUOTED;
            fieldStart = i;
            i--;
          }
          break;
      }
    }
    // Carry the unfinished record into the next chunk.
    if (this.#state === UNQUOTED || this.#state === QUOTED) {
      if (fieldStart < n) this.#pending += chunk.slice(fieldStart);
    }
    if (recStart < n) this.#raw += chunk.slice(recStart);
    if (!this.#tooLarge && this.#raw.length > this.#max) this.#tooLarge = true;
    if (this.#tooLarge) {
      if (this.#raw.length > this.#keep) this.#raw = this.#raw.slice(0, this.#keep);
      this.#pending = "";
      this.#fields = [];
    }
    return out;
  }

  /** Ends a record at `i` (a CR or LF); returns where the next record starts. */
  #endRecord(out: CsvRecord[], chunk: string, recStart: number, i: number, c: number): number {
    const length = this.#raw.length + (i - recStart);
    if (this.#any || this.#fields.length > 0 || this.#error) {
      const tooLarge = this.#tooLarge || length > this.#max;
      let raw = this.#tooLarge ? this.#raw : this.#raw + chunk.slice(recStart, i);
      if (tooLarge && raw.length > this.#keep) raw = raw.slice(0, this.#keep);
      const record: CsvRecord = {
        fields: tooLarge ? [] : this.#fields,
        line: this.#recordLine,
        raw,
      };
      if (this.#error !== undefined) record.error = this.#error;
      if (tooLarge) record.tooLarge = true;
      out.push(record);
    }
    this.#fields = [];
    this.#pending = "";
    this.#raw = "";
    this.#error = undefined;
    this.#tooLarge = false;
    this.#any = false;
    this.#state = FIELD_START;
    this.#line++;
    this.#recordLine = this.#line;
    if (c === CR) {
      if (i + 1 < chunk.length) {
        if (chunk.charCodeAt(i + 1) === LF) return i + 2;
      } else this.#skipLf = true;
    }
    return i + 1;
  }

  /** Ends the input: an open quote is a `malformed` record; an unterminated last line is a record. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.#state === QUOTED) this.#fail(`Quoted field is not closed before the end of the file`);
    if (this.#state === UNQUOTED || this.#state === QUOTED || this.#state === QUOTE_IN_QUOTED) {
      this.#fields.push(this.#pending);
    } else if (this.#any) this.#fields.push("");
    if (this.#any || this.#fields.length > 0) {
      const record: CsvRecord = {
        fields: this.#tooLarge ? [] : this.#fields,
        line: this.#recordLine,
        raw: this.#raw,
      };
      if (this.#error !== undefined) record.error = this.#error;
      if (this.#tooLarge) record.tooLarge = true;
      out.push(record);
    }
    this.#fields = [];
    this.#pending = "";
    this.#raw = "";
    this.#any = false;
    this.#state = FIELD_START;
    return out;
  }
}

/**
 * Parses a CSV byte stream as UTF-8 (a BOM is dropped) into records. Bytes
 * that are not UTF-8 reject the file whole with a `422`.
 *
 * @example
 * ```ts
 * for await (const batch of csvRecords(stream, { maxRecordChars: 32768, keepChars: 16384 })) { ... }
 * ```
 */
export async function* csvRecords(
  stream: ReadableStream<Uint8Array>,
  options: CsvParserOptions,
): AsyncGenerator<CsvRecord[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parser = new CsvParser(options);
  const decode = (bytes?: Uint8Array) => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new HttpError(422, "not_utf8", "File is not valid UTF-8");
    }
  };
  for await (const chunk of chunksOf(stream)) {
    const records = parser.push(decode(chunk));
    if (records.length > 0) yield records;
  }
  const tail = [...parser.push(decode()), ...parser.end()];
  if (tail.length > 0) yield tail;
}
