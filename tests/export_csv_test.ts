/**
 * CSV exports: RFC 4180 quoting, formula-injection escaping, null versus
 * empty, and whole-table round trips through an independent CSV parser (uDSV).
 */

import fc from "fast-check";
import { inferSchema, initParser } from "udsv";
import { assert, assertEquals } from "./assert.ts";
import { chunksOf, concat, ORDER_LINES, seedFixtures } from "./export_fixtures.ts";
import { csvField, csvText, exportStream, findTable } from "../pipeline/export/mod.ts";

/** Parses CSV text (CRLF records, `"` quotes) with uDSV into string arrays, header included. */
function parseCsv(text: string): string[][] {
  const schema = inferSchema(text, { col: ",", row: "\r\n", encl: '"' });
  const rows = initParser(schema).stringArrs(text) as string[][];
  const header = text.slice(0, text.indexOf("\r\n")).split(",");
  return [header, ...rows];
}

const FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"];

Deno.test("csvText() prefixes a quote to text starting with = + - @ tab or CR", () => {
  assertEquals(csvText("=1+1"), "'=1+1");
  assertEquals(csvText("+41 79 000"), "'+41 79 000");
  assertEquals(csvText("-2"), "'-2");
  assertEquals(csvText("@SUM(A1)"), "'@SUM(A1)");
  assertEquals(csvText("\tindent"), "'\tindent");
  assertEquals(csvText("\rreturn"), `"'\rreturn"`);
  assertEquals(
    csvText('=HYPERLINK("http://evil","x")'),
    `"'=HYPERLINK(""http://evil"",""x"")"`,
  );
  assertEquals(csvText("a=b"), "a=b", "only the first character matters");
  assertEquals(csvText(" =1"), " =1", "a leading space is not a formula start");
});

Deno.test("csvText() quotes commas, quotes and line breaks as RFC 4180 requires", () => {
  assertEquals(csvText("plain"), "plain");
  assertEquals(csvText("a,b"), '"a,b"');
  assertEquals(csvText('say "hi"'), '"say ""hi"""');
  assertEquals(csvText("two\nlines"), '"two\nlines"');
  assertEquals(csvText("two\r\nlines"), '"two\r\nlines"');
  assertEquals(csvText("ünïcødé 😀"), "ünïcødé 😀");
});

Deno.test("csvField() writes null empty, the empty string quoted, and numbers unescaped", () => {
  assertEquals(csvField("string", null), "");
  assertEquals(csvField("string", ""), '""');
  assertEquals(csvField("int64", -5n), "-5", "a negative number is not a formula");
  assertEquals(csvField("int32", -7), "-7");
  assertEquals(csvField("double", -0.5), "-0.5");
  assertEquals(csvField("decimal", "-3.25"), "-3.25", "plain decimal text stays numeric");
  assertEquals(csvField("decimal", "-1e5"), "'-1e5", "anything else in a decimal column is text");
  assertEquals(csvField("boolean", false), "false");
  assertEquals(csvField("timestamp", Date.UTC(2026, 10, 25, 9, 30)), "2026-11-25T09:30:00.000Z");
  assertEquals(csvField("date", "2026-11-23"), "2026-11-23");
  assertEquals(csvField("json", { a: "x,y" }), '"{""a"":""x,y""}"');
  assertEquals(csvField("json", -1), "'-1");
});

Deno.test("csvText() round-trips any text through a CSV parser, formula starts prefixed", () => {
  const tricky = fc.array(
    fc.constantFrom(...FORMULA_STARTS, "\n", '"', ",", " ", "a", "é", "😀", "'", "\r\n"),
    { maxLength: 12 },
  ).map((parts) => parts.join(""));
  fc.assert(
    fc.property(fc.oneof(tricky, fc.string()), fc.string(), (text, other) => {
      // Two fields per record, so a broken quote would also shift the second field.
      const csv = `a,b\r\n${csvText(text)},${csvText(other)}\r\n`;
      const [, row] = parseCsv(csv);
      const escaped = (s: string) => FORMULA_STARTS.includes(s[0]) ? `'${s}` : s;
      assertEquals(row, [escaped(text), escaped(other)]);
    }),
    { numRuns: 500 },
  );
});

Deno.test("CSV export of order lines parses back to the records, injection escaped", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    const table = findTable("silver", "order_lines")!;
    const text = new TextDecoder().decode(
      concat(await chunksOf(exportStream(kv, table, "csv"))),
    );
    assert(text.endsWith("\r\n"), "every record ends with CRLF");
    const [header, ...rows] = parseCsv(text);
    assertEquals(header, table.columns.map((c) => c.name));
    const esc = (s: string) => FORMULA_STARTS.includes(s[0]) ? `'${s}` : s;
    assertEquals(
      rows,
      ORDER_LINES.map((l) => [
        l.line.orderId,
        String(l.line.lineNo),
        esc(l.line.customerId),
        new Date(l.line.orderTs).toISOString(),
        esc(l.line.sku),
        String(l.line.quantity),
        l.line.unitPrice,
        l.line.currency,
        l.line.discount,
        l.line.status,
        l.line.country ?? "",
        l.line.channel ?? "",
        BigInt(l.cents).toString(),
        l.version.date,
        String(l.version.upload),
        String(l.version.row),
      ]),
    );
    // The raw text of the dangerous cells, as a spreadsheet would receive them.
    assert(text.includes(`"'=HYPERLINK(""http://evil"",""x"")"`), "formula quoted and escaped");
    assert(text.includes("'+cmd|' /C calc'!A0"), "DDE payload escaped");
    assert(text.includes(",'@SUM(1+1),"), "at-sign escaped");
    assert(text.includes(",-3.25,"), "negative prices stay numbers");
    assert(text.includes(",9007199254740993,"), "big cents keep every digit");
  } finally {
    kv.close();
  }
});

Deno.test("CSV export of an empty table is the header alone", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const table = findTable("gold", "quarantine")!;
    const text = new TextDecoder().decode(
      concat(await chunksOf(exportStream(kv, table, "csv"))),
    );
    assertEquals(text, table.columns.map((c) => c.name).join(",") + "\r\n");
  } finally {
    kv.close();
  }
});
