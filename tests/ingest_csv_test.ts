/**
 * The streaming CSV parser: round trips of RFC 4180 tables under any chunking
 * (a property), line numbers across quoted newlines, broken quoting, long
 * records, and the byte-level reader (BOM, UTF-8 split across chunks).
 */

import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { CsvParser, type CsvRecord, csvRecords } from "../pipeline/ingest/csv.ts";
import { HttpError } from "../routes/errors.ts";

function parse(text: string, cuts: number[] = [], max = 1 << 20): CsvRecord[] {
  const p = new CsvParser({ maxRecordChars: max, keepChars: 64 });
  const out: CsvRecord[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...p.push(text.slice(at, cut)));
    at = cut;
  }
  out.push(...p.push(text.slice(at)), ...p.end());
  return out;
}

function quoteField(f: string): string {
  return /[",\r\n]/.test(f) || f === "" ? `"${f.replaceAll('"', '""')}"` : f;
}

const field = fc.string({ unit: fc.constantFrom("a", "b", " ", ",", '"', "\n", "\r\n", "é", "x") });

Deno.test("CsvParser round-trips any RFC 4180 table under any chunking", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
      fc.constantFrom("\n", "\r\n"),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 6 }),
      (rows, eol, finalEol, cutSeeds) => {
        const text = rows.map((r) => r.map(quoteField).join(",")).join(eol) + (finalEol ? eol : "");
        const cuts = cutSeeds.map((s) => s % (text.length + 1));
        const records = parse(text, cuts);
        assertEquals(records.map((r) => r.fields), rows);
        assertEquals(records.filter((r) => r.error !== undefined), []);
        // Each record starts one line after the previous one's last line break.
        let lineNo = 1;
        records.forEach((r, i) => {
          assertEquals(r.line, lineNo);
          lineNo += 1 + (rows[i].join(",").match(/\n/g)?.length ?? 0);
        });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("CsvParser reports broken quoting and keeps going", () => {
  const records = parse('a,b\n1,x"y\n"z"w,2\n3,4\n5,"open\n6,7\n');
  assertEquals(
    records.map((r) => [r.line, r.error ?? null]),
    [
      [1, null],
      [2, "Unexpected quote inside an unquoted field"],
      [3, "Unexpected character after a closing quote"],
      [4, null],
      [5, "Quoted field is not closed before the end of the file"],
    ],
  );
  assertEquals(records[3].fields, ["3", "4"]);
  assertEquals(records[4].raw, '5,"open\n6,7\n');
});

Deno.test("CsvParser skips blank lines but counts them, and reads a lone CR as a line end", () => {
  const records = parse("a,b\n\n\r\n1,2\r3,4");
  assertEquals(records.map((r) => [r.line, r.fields]), [[1, ["a", "b"]], [4, ["1", "2"]], [5, [
    "3",
    "4",
  ]]]);
});

Deno.test("CsvParser flags a record over its limit without buffering it", () => {
  const long = "x".repeat(5000);
  const records = parse(`a,b\n1,${long}\n2,3\n`, [100, 2000, 4000], 1000);
  assertEquals(records.map((r) => [r.line, r.tooLarge ?? false, r.fields.length]), [
    [1, false, 2],
    [2, true, 0],
    [3, false, 2],
  ]);
  assertEquals(records[1].raw.length, 64);
});

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
}

Deno.test("csvRecords() drops a BOM and decodes UTF-8 split across chunks", async () => {
  const bytes = new TextEncoder().encode("\uFEFFname,city\nZoë,Zürich\n");
  const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
  const out: CsvRecord[] = [];
  for await (const batch of csvRecords(streamOf(chunks), { maxRecordChars: 100, keepChars: 10 })) {
    out.push(...batch);
  }
  assertEquals(out.map((r) => r.fields), [["name", "city"], ["Zoë", "Zürich"]]);
});

Deno.test("csvRecords() refuses bytes that are not UTF-8 with a 422", async () => {
  const bytes = new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x0a]);
  const err = await assertRejects(async () => {
    for await (const _ of csvRecords(streamOf([bytes]), { maxRecordChars: 100, keepChars: 10 })) {
      // reading is the test
    }
  }, HttpError);
  assert(err instanceof HttpError && err.status === 422 && err.code === "not_utf8");
});

Deno.test("CsvParser keeps a CRLF split by an empty chunk as one line end", () => {
  assertEquals(parse('"a"\r\nb\r\nc', [4, 4]).map((r) => [r.line, r.fields]), [
    [1, ["a"]],
    [2, ["b"]],
    [3, ["c"]],
  ]);
});
